"""Dead letters sent back to where they came from, exactly once: `kontakt dlq redrive <group>`.

After the cause of a dead letter is fixed (a handler bug, a missing reference row), an operator re-drives the
group's dead-letter topic: each record goes back, with its original bytes, key and headers, to the topic it
came from (`x-dlq-original-topic`). This is the one place where En väg in consumes and produces without a
database in between, so it uses a Kafka transaction (read-process-write): the re-driven records and the
re-drive consumer group's offsets on `<group>.dlq` commit together or not at all. A crash mid-way leaves
nothing visible to `read_committed` readers (every service consumer reads that way) and the next run starts
where the last committed one ended; a second re-drive of the same group running at once is fenced by the
shared `transactional.id`. Needs Apache Kafka (the embedded Tansu has no transactions).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts.registry import dead_letter_topic
from services.chassis.topics import partitions_of

DLQ_HEADER_PREFIX = "x-dlq-"


@dataclass
class Redriven:
    records: int = 0
    transactions: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)


def redrive_group(group: str) -> str:
    """The consumer group that remembers how far `group`'s dead letters were re-driven."""
    return f"{group}.redrive"


def original_record(record: ConsumerRecord[bytes, bytes]) -> tuple[str, list[tuple[str, bytes]]]:
    """Where a dead letter came from, and its headers as they were before it was dead-lettered."""
    headers = list(record.headers or ())
    origin = dict(headers).get("x-dlq-original-topic")
    if not origin:
        raise ValueError(f"{record.topic}[{record.partition}]@{record.offset} has no x-dlq-original-topic header")
    kept = [(k, v) for k, v in headers if not k.startswith(DLQ_HEADER_PREFIX)]
    kept.append(("x-redriven-from", f"{record.topic}:{record.partition}:{record.offset}".encode()))
    return origin.decode(), kept


async def redrive(bootstrap: str, group: str, batch: int = 200) -> Redriven:
    """Re-drive every dead letter of `group` not yet re-driven; returns what was sent."""
    topic = dead_letter_topic(group)
    parts = (await partitions_of(bootstrap, [topic])).get(topic, [])
    tps = [TopicPartition(topic, p) for p in parts]
    done = Redriven(by_topic={})
    if not tps:
        return done
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=redrive_group(group), enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_committed",
                                client_id=f"en-vag-in-redrive-{group}")
    # one transactional id per group: a second re-drive of the same group fences this one (no zombie writes)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"en-vag-in-redrive-{group}",
                                enable_idempotence=True, acks="all", client_id=f"en-vag-in-redrive-{group}")
    await consumer.start()
    await producer.start()
    try:
        consumer.assign(tps)
        for tp in tps:  # from the committed position of the re-drive group, else the start
            committed = await consumer.committed(tp)
            if committed is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)
        end = await consumer.end_offsets(tps)
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch)
            records = [r for rs in fetched.values() for r in rs]
            if not records:
                continue
            async with producer.transaction():
                for r in records:
                    origin, headers = original_record(r)
                    await producer.send(origin, r.value, key=r.key, headers=headers)
                    done.by_topic[origin] = done.by_topic.get(origin, 0) + 1
                offsets = {tp: rs[-1].offset + 1 for tp, rs in fetched.items() if rs}
                await producer.send_offsets_to_transaction(offsets, redrive_group(group))
            done.records += len(records)
            done.transactions += 1
        return done
    finally:
        await producer.stop()
        await consumer.stop()
