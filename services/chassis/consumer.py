"""Idempotent consumers: decode, apply once (inbox), retry with backoff, dead-letter, commit after."""
from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiokafka import errors as kafka_errors
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from contracts.envelope import Event
from contracts.registry import NewerSchemaVersion, UnknownEventType, dead_letter_topic, parse_event
from services.chassis.db import Database, UnitOfWork
from services.chassis.outbox import EventTooLarge
from services.chassis.tables import InboxRow

log = logging.getLogger("kontakt.consumer")
_TOO_LARGE = (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordTooLargeError,
              kafka_errors.RecordListTooLargeError)

Handler = Callable[[Event, UnitOfWork], None]


class PermanentError(Exception):
    """The message can never be applied (bad bytes, bad schema): dead-letter at once."""


@dataclass
class ConsumerStats:
    applied: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    db_waits: Counter[str] = field(default_factory=Counter)
    in_flight_since: dict[str, float] = field(default_factory=dict)
    last_progress: dict[str, float] = field(default_factory=dict)
    last_dead_letter: dict[str, float] = field(default_factory=dict)

    def stalled(self, after_s: float) -> list[str]:
        now = time.monotonic()
        return [g for g, t in self.in_flight_since.items() if now - t > after_s]


def raw_decoder(msg: Any) -> bytes:
    """Keep the bytes: decoding happens inside the consumer so failures can be dead-lettered."""
    return msg.body


async def tolerant_parser(record: Any, original: Callable[[Any], Any]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and fails before any handler runs, so the
    message could be neither applied nor dead-lettered. Parse a copy with readable headers and keep
    the original record, so `process` dead-letters it with its bytes untouched."""
    try:
        return await original(record)
    except UnicodeDecodeError:
        clean = copy.copy(record)
        clean.headers = [(k, v.decode("utf-8", "replace").encode()) for k, v in record.headers or ()]
        msg = await original(clean)
        msg.raw_message = record
        return msg


def check_headers(headers: Iterable[tuple[str, bytes]] | None) -> None:
    for name, value in headers or ():
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PermanentError(f"header {name!r} is not UTF-8") from exc


def check_record(record: Any, max_bytes: int | None) -> None:
    """A value larger than any of our producers may send is foreign or broken: never applied."""
    size = len(record.value or b"")
    if max_bytes is not None and size > max_bytes:
        raise PermanentError(f"record of {size} bytes is larger than the largest event a producer may send "
                             f"({max_bytes})")


def check_key(record: Any, event: Event) -> None:
    """The Kafka key must be the event's case id (call id for case-less telephony): a wrong or missing key
    puts the event on another partition than its case, so applying it could reorder the case. The reason
    names no value: a buggy producer's key could be anything."""
    if record.key is None:
        raise PermanentError("record has no key; events are keyed by their case id (telephony: call id)")
    if record.key != event.key.encode():
        raise PermanentError("record key does not match the event's case id (telephony: call id)")


def decode(value: bytes | None) -> Event:
    if value is None:
        raise PermanentError("null value (tombstone) on an event topic")
    try:
        return parse_event(value)
    except (UnicodeDecodeError, ValueError, ValidationError, UnknownEventType, NewerSchemaVersion, KeyError) as exc:
        raise PermanentError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc


class DeadLetters:
    """Publishes the original bytes and headers plus the reason to `<consumer>.dlq`.

    The producer is sized to carry the largest record a consumer fetches; should the broker still refuse
    it, the dead letter goes without its value (its size and reason in headers) so the partition moves on."""

    def __init__(self) -> None:
        self.producer: Any = None  # an AIOKafkaProducer with acks=all, set at start

    async def send(self, group: str, record: Any, reason: str, attempts: int) -> None:
        headers = self._headers(group, record, reason, attempts)
        topic = dead_letter_topic(group)
        try:
            await self.producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers)
        except _TOO_LARGE as exc:
            log.error("dead letter of %s[%s]@%s too large for %s (%s): sent without its value", record.topic,
                      record.partition, record.offset, topic, type(exc).__name__)
            headers.append(("x-dlq-value-dropped-bytes", str(len(record.value or b"")).encode()))
            await self.producer.send_and_wait(topic, value=None, key=record.key, headers=headers)

    @staticmethod
    def _headers(group: str, record: Any, reason: str, attempts: int) -> list[tuple[str, bytes]]:
        return list(record.headers or ()) + [
            ("x-dlq-reason", reason.encode("utf-8", "replace")[:1000]),
            ("x-dlq-consumer", group.encode()),
            ("x-dlq-original-topic", record.topic.encode()),
            ("x-dlq-original-partition", str(record.partition).encode()),
            ("x-dlq-original-offset", str(record.offset).encode()),
            ("x-dlq-attempts", str(attempts).encode()),
        ]


class Consumers:
    """Registers idempotent consumers on a router; one per (group, handler)."""

    def __init__(self, db: Database, dead_letters: DeadLetters, *, max_attempts: int = 5,
                 backoff_base_s: float = 0.2, backoff_max_s: float = 5.0, session_timeout_ms: int = 10_000, group_prefix: str = "",
                 max_poll_interval_ms: int = 300_000, max_record_bytes: int | None = None,
                 max_fetch_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_record_bytes = max_record_bytes  # larger values are dead-lettered unread
        self.max_fetch_bytes = max_fetch_bytes  # the largest record fetched (and dead-lettered) whole
        self.max_poll_interval_ms = max_poll_interval_ms
        # test-only fault injection: called after a handler's transaction committed, before the offset is
        self.after_commit: Callable[[Event], None] | None = None
        self.session_timeout_ms = session_timeout_ms
        self.group_prefix = group_prefix
        self.db = db
        self.dead_letters = dead_letters
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.stats = ConsumerStats()
        self.groups: list[str] = []
        self.subscribers: list[tuple[str, Any]] = []  # (group, FastStream subscriber): lag and re-seeking
        self.topics_of: dict[str, tuple[str, ...]] = {}  # group -> the topics it consumes

    def apply(self, group: str, handler: Handler, event: Event, record: Any) -> bool:
        """Apply one event in one transaction with its inbox row. False if already applied."""
        with self.db.uow() as uow:
            if uow.session.get(InboxRow, (group, str(event.event_id))) is not None:
                return False
            uow.session.add(InboxRow(consumer=group, event_id=str(event.event_id), topic=record.topic,
                                     partition=record.partition, offset=record.offset,
                                     applied_at=datetime.now(timezone.utc)))
            handler(event, uow)
            try:
                uow.commit()
            except IntegrityError:
                # a second instance applied it between our check and commit
                return False
        if self.after_commit is not None:
            self.after_commit(event)
        return True

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
        """Records behind the end of each assigned partition, per (group, topic, partition)."""
        out: dict[tuple[str, str, int], int] = {}
        for group, sub in self.subscribers:
            consumer = getattr(sub, "consumer", None)
            if consumer is None:
                continue
            for tp in consumer.assignment():
                end = consumer.highwater(tp)
                if end is None:
                    continue
                try:
                    pos = await asyncio.wait_for(consumer.position(tp), 1.0)
                except Exception:  # rebalancing or broker away: no figure this time
                    continue
                out[(group, tp.topic, tp.partition)] = max(end - pos, 0)
        return out

    async def _dead_letter(self, group: str, record: Any, reason: str, attempts: int) -> str:
        await self.dead_letters.send(group, record, reason, attempts=attempts)
        self.stats.dead_lettered[group] += 1
        self.stats.last_dead_letter[group] = time.monotonic()
        log.warning("dead-lettered %s[%s]@%s for %s after %d attempt(s): %s", record.topic, record.partition,
                    record.offset, group, attempts, reason)
        return "dead_lettered"

    async def process(self, group: str, handler: Handler, types: frozenset[str] | None, record: Any) -> str:
        self.stats.in_flight_since[group] = time.monotonic()
        try:
            try:
                check_headers(record.headers)
                check_record(record, self.max_record_bytes)
                event = decode(record.value)
                check_key(record, event)
            except PermanentError as exc:
                return await self._dead_letter(group, record, str(exc), attempts=1)
            if types is not None and event.event_type not in types:
                self.stats.skipped[group] += 1
                return "skipped"
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
                if applied:
                    self.stats.applied[group] += 1
                    return "applied"
                self.stats.duplicates[group] += 1
                return "duplicate"
        finally:
            self.stats.in_flight_since.pop(group, None)
            self.stats.last_progress[group] = time.monotonic()

    def subscribe(self, router: KafkaRouter, *topics: str, group: str, handles: Iterable[str] | None = None,
                  description: str = "") -> Callable[[Handler], Handler]:
        """Register `handler(event, uow)` for `topics` in consumer group `group`.

        Offsets are committed only after the handler's transaction committed (or the
        message was dead-lettered); a crash before that redelivers, and the inbox absorbs it.
        """
        types = frozenset(handles) if handles is not None else None
        group = self.group_prefix + group
        self.groups.append(group)
        self.topics_of[group] = tuple(dict.fromkeys(self.topics_of.get(group, ()) + topics))

        def register(handler: Handler) -> Handler:
            async def on_message(msg: KafkaMessage) -> None:
                await self.process(group, handler, types, msg.raw_message)

            on_message.__name__ = f"{group}_{handler.__name__}"
            subscriber = router.subscriber(
                *topics, group_id=group, ack_policy=AckPolicy.NACK_ON_ERROR, auto_offset_reset="earliest",
                isolation_level="read_committed",  # never a record of an aborted transaction (kontakt dlq redrive)
                decoder=raw_decoder, parser=tolerant_parser, fetch_max_wait_ms=100,
                max_partition_fetch_bytes=self.max_fetch_bytes,
                fetch_max_bytes=max(self.max_fetch_bytes, 50 * 1024 * 1024),
                max_poll_interval_ms=self.max_poll_interval_ms, session_timeout_ms=self.session_timeout_ms,
                heartbeat_interval_ms=max(100, self.session_timeout_ms // 10), title=f"{group}:{handler.__name__}",
                description=description or (handler.__doc__ or "").strip(),
            )
            subscriber(on_message)
            self.subscribers.append((group, subscriber))
            return handler

        return register
