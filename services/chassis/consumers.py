"""Idempotent consumers on FastStream: each fetched batch decoded, applied once (inbox) with retries or
dead-lettered, and its offsets committed after; plus the groups' lag and rewinding them."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy.exc import InterfaceError, OperationalError

from contracts.envelope import Event
from contracts.registry import EVENT_TYPES
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.decode import PermanentError, checked, declared_type, raw_decoder, tolerant_parser
from services.chassis.dispatch import ConsumerGroup, Handler
from services.chassis.inbox import Inbox
from services.chassis.outbox_rows import EventTooLarge
from services.chassis.records import Delivered, Located, Record

log = logging.getLogger("kontakt.consumer")


@dataclass
class ConsumerStats:
    applied: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    db_waits: Counter[str] = field(default_factory=Counter)
    in_flight_since: dict[str, float] = field(default_factory=dict)
    # group -> (topic, partition) -> first offset of the batch being applied: not applied yet, though fetched
    in_flight_from: dict[str, dict[tuple[str, int], int]] = field(default_factory=dict)
    last_progress: dict[str, float] = field(default_factory=dict)
    last_dead_letter: dict[str, float] = field(default_factory=dict)

    def stalled(self, after_s: float) -> list[str]:
        now = time.monotonic()
        return [g for g, t in self.in_flight_since.items() if now - t > after_s]


class Consumers:
    """Registers idempotent consumer groups on a router; each applies fetched batches."""

    def __init__(self, db: Database, dead_letters: DeadLetters, *, max_attempts: int = 5,
                 backoff_base_s: float = 0.2, backoff_max_s: float = 5.0, session_timeout_ms: int = 10_000,
                 group_prefix: str = "", max_poll_interval_ms: int = 300_000, max_record_bytes: int | None = None,
                 max_fetch_bytes: int = 16 * 1024 * 1024, max_batch: int = 500,
                 fetch_max_wait_ms: int = 500) -> None:
        self.max_record_bytes = max_record_bytes  # larger values are dead-lettered unread
        self.max_fetch_bytes = max_fetch_bytes  # the largest record fetched (and dead-lettered) whole
        self.max_poll_interval_ms = max_poll_interval_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms  # the broker's hold on an empty fetch (settings)
        self.max_batch = max_batch  # records applied in one transaction at most
        self.session_timeout_ms = session_timeout_ms
        self.group_prefix = group_prefix
        self.db = db
        self.inbox = Inbox(db)
        self.dead_letters = dead_letters
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.stats = ConsumerStats()
        self.by_name: dict[str, ConsumerGroup] = {}  # in registration order
        self.subscribers: list[tuple[str, Any]] = []  # (group, FastStream subscriber): lag and re-seeking

    @property
    def after_commit(self) -> Callable[[Event], None] | None:
        """Test-only fault injection: called after a handler's transaction committed, before the offset is."""
        return self.inbox.after_commit

    @after_commit.setter
    def after_commit(self, hook: Callable[[Event], None] | None) -> None:
        self.inbox.after_commit = hook

    @property
    def groups(self) -> list[str]:
        return list(self.by_name)

    @property
    def topics_of(self) -> dict[str, tuple[str, ...]]:
        """group -> the topics it consumes."""
        return {name: group.topics for name, group in self.by_name.items()}

    def apply(self, group: str, handler: Handler, event: Event, record: Located) -> bool:
        """Apply one event in one transaction with its inbox row. False if already applied."""
        return self.inbox.apply(group, handler, event, record)

    def apply_batch(self, group: ConsumerGroup, items: Sequence[tuple[Event, Located]]) -> int:
        """Apply a batch in one transaction with the inbox rows of its new events; returns how many were new."""
        return self.inbox.apply_batch(group, items)

    def deliver(self, group: str, event: Event, record: Located | None = None) -> bool:
        """Apply one event as group `group` would (its typed handler, its inbox), outside Kafka: tools and
        tests. False if it was already applied."""
        return self.apply(group, self.by_name[group].dispatch, event, record or Delivered(topic=event.TOPIC))

    def consumed_topics(self) -> set[str]:
        topics: set[str] = set()
        for _group, sub in self.subscribers:
            if getattr(sub, "consumer", None) is not None:
                topics |= set(sub.consumer.subscription())
        return topics

    async def rewind(self) -> int:
        """Every group back to the start of each partition it holds (the broker forgot our offsets);
        the inbox turns what was already applied into duplicates. Returns the partitions rewound."""
        n = 0
        for group, sub in self.subscribers:
            consumer = getattr(sub, "consumer", None)
            if consumer is None or not (tps := consumer.assignment()):
                continue
            await consumer.seek_to_beginning(*tps)
            n += len(tps)
            log.warning("%s rewound to the start of %d partitions", group, len(tps))
        return n

    async def lag(self) -> dict[tuple[str, str, int], int]:
        """Records not yet applied before the end of each assigned partition, per (group, topic, partition)."""
        out: dict[tuple[str, str, int], int] = {}
        for group, sub in self.subscribers:
            consumer = getattr(sub, "consumer", None)
            if consumer is None:
                continue
            applying = self.stats.in_flight_from.get(group, {})
            for tp in consumer.assignment():
                end = consumer.highwater(tp)
                if end is None:
                    continue
                # the consumer's position is past the batch being applied: those records are not applied yet
                pos = applying.get((tp.topic, tp.partition))
                if pos is None:
                    try:
                        pos = await asyncio.wait_for(consumer.position(tp), 1.0)
                    except Exception:  # rebalancing or broker away: no figure this time
                        continue
                out[(group, tp.topic, tp.partition)] = max(end - pos, 0)
        return out

    async def _dead_letter(self, group: str, record: Record, reason: str, attempts: int) -> str:
        await self.dead_letters.send(group, record, reason, attempts=attempts)
        self.stats.dead_lettered[group] += 1
        self.stats.last_dead_letter[group] = time.monotonic()
        log.warning("dead-lettered %s[%s]@%s for %s after %d attempt(s): %s", record.topic, record.partition,
                    record.offset, group, attempts, reason)
        return "dead_lettered"

    async def _decode_or_dead_letter(self, group: str, record: Record) -> Event | None:
        """The record's event, or None once it was dead-lettered (it can never be applied)."""
        try:
            return checked(record, self.max_record_bytes)
        except PermanentError as exc:
            await self._dead_letter(group, record, str(exc), attempts=1)
            return None

    async def process_batch(self, group: ConsumerGroup, records: Sequence[Record]) -> None:
        """A fetched batch (each partition's records in offset order): dead-letter what can never be applied,
        apply the rest in one transaction; should that fail, apply them one by one with the per-record
        retries, so one bad event costs only itself. The offsets are committed after this returns."""
        name = group.name
        self.stats.in_flight_since[name] = time.monotonic()
        starts: dict[tuple[str, int], int] = {}
        for record in records:
            starts.setdefault((record.topic, record.partition), record.offset)
        self.stats.in_flight_from[name] = starts
        try:
            ready: list[tuple[Event, Record]] = []
            types = group.types
            for record in records:
                # a known type this group does not handle is skipped by its header, unparsed: most of what a
                # group reads on a shared topic is for others. Without the header, or with a type no one
                # knows (poison: dead-lettered), the record is decoded and checked as before.
                declared = declared_type(record.headers)
                if declared in EVENT_TYPES and declared not in types:
                    self.stats.skipped[name] += 1
                    continue
                event = await self._decode_or_dead_letter(name, record)
                if event is None:
                    continue
                if event.event_type not in types:
                    self.stats.skipped[name] += 1
                    continue
                ready.append((event, record))
            for start in range(0, len(ready), self.max_batch):
                await self._apply_chunk(group, ready[start:start + self.max_batch])
        finally:
            self.stats.in_flight_since.pop(name, None)
            self.stats.in_flight_from.pop(name, None)
            self.stats.last_progress[name] = time.monotonic()

    async def _apply_chunk(self, group: ConsumerGroup, chunk: list[tuple[Event, Record]]) -> None:
        name = group.name
        try:
            applied = await asyncio.to_thread(self.apply_batch, group, chunk)
        except Exception as exc:
            log.info("%s: batch of %d not applied at once (%s); applying one by one", name, len(chunk),
                     type(exc).__name__)
            for event, record in chunk:
                await self._apply_one(name, group.dispatch, event, record)
            return
        self.stats.applied[name] += applied
        self.stats.duplicates[name] += len(chunk) - applied
        self.stats.last_progress[name] = time.monotonic()

    async def _apply_one(self, group: str, handler: Handler, event: Event, record: Record) -> str:
        attempt = 0
        while True:
            attempt += 1
            try:
                applied = await asyncio.to_thread(self.apply, group, handler, event, record)
            except (PermanentError, EventTooLarge) as exc:  # retrying cannot make it fit
                return await self._dead_letter(group, record, str(exc), attempts=attempt)
            except (OperationalError, InterfaceError) as exc:
                # the database is away: not the message's fault. Pause this partition and keep
                # trying (never dead-letter for an outage); nothing is skipped.
                self.stats.db_waits[group] += 1
                attempt -= 1
                delay = min(self.backoff_base_s * 2 ** min(self.stats.db_waits[group], 6), self.backoff_max_s)
                log.warning("%s waits for the database (%s), retrying in %.1fs", group, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            except Exception as exc:  # transient until proven otherwise: retry, then dead-letter
                if attempt >= self.max_attempts:
                    reason = f"handler failed {attempt} times: {type(exc).__name__}: {str(exc)[:300]}"
                    return await self._dead_letter(group, record, reason, attempts=attempt)
                self.stats.retries[group] += 1
                delay = min(self.backoff_base_s * 2 ** (attempt - 1), self.backoff_max_s)
                log.warning("%s failed on %s (attempt %d), retrying in %.1fs: %s", group, event.event_type,
                            attempt, delay, type(exc).__name__)
                await asyncio.sleep(delay)
                continue
            self.stats.last_progress[group] = time.monotonic()
            if applied:
                self.stats.applied[group] += 1
                return "applied"
            self.stats.duplicates[group] += 1
            return "duplicate"

    def group(self, router: KafkaRouter, *topics: str, name: str, description: str = "") -> ConsumerGroup:
        """A consumer group `name` reading `topics`; register its handlers with `.on(EventClass)`.

        Each fetched batch is applied in one transaction with its inbox rows, and the offsets are
        committed only after it committed (or its bad records were dead-lettered); a crash before that
        redelivers, and the inbox absorbs it.
        """
        name = self.group_prefix + name
        if name in self.by_name:
            raise ValueError(f"consumer group {name} registered twice")
        grp = ConsumerGroup(name, tuple(dict.fromkeys(topics)))
        self.by_name[name] = grp

        async def on_batch(msg: KafkaMessage) -> None:
            await self.process_batch(grp, msg.raw_message)

        on_batch.__name__ = name.replace(".", "_").replace("-", "_")
        subscriber = router.subscriber(
            *topics, group_id=name, ack_policy=AckPolicy.NACK_ON_ERROR, auto_offset_reset="earliest",
            isolation_level="read_committed",  # never a record of an aborted transaction (kontakt dlq redrive)
            batch=True, max_records=self.max_batch, batch_timeout_ms=200,
            decoder=raw_decoder, parser=tolerant_parser, fetch_max_wait_ms=self.fetch_max_wait_ms,
            max_partition_fetch_bytes=self.max_fetch_bytes,
            fetch_max_bytes=max(self.max_fetch_bytes, 50 * 1024 * 1024),
            max_poll_interval_ms=self.max_poll_interval_ms, session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(100, self.session_timeout_ms // 10), title=f"{name}:consume",
            description=description,
        )
        subscriber(on_batch)
        self.subscribers.append((name, subscriber))
        return grp
