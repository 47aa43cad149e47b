"""Idempotent consumers: decode, apply once (inbox), retry with backoff, dead-letter, commit after."""
from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import errors as kafka_errors
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import col, select

from contracts.envelope import Event
from contracts.registry import NewerSchemaVersion, UnknownEventType, dead_letter_topic, parse_event
from services.chassis.db import Database, UnitOfWork
from services.chassis.outbox import EventTooLarge
from services.chassis.tables import InboxRow

log = logging.getLogger("kontakt.consumer")
_TOO_LARGE = (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordTooLargeError,
              kafka_errors.RecordListTooLargeError)

E = TypeVar("E", bound=Event)
Handler = Callable[[Event, UnitOfWork], None]
BatchHandler = Callable[[list[Event], UnitOfWork], None]
_tracer = trace.get_tracer("en-vag-in.consumer")


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
    # group -> (topic, partition) -> first offset of the batch being applied: not applied yet, though fetched
    in_flight_from: dict[str, dict[tuple[str, int], int]] = field(default_factory=dict)
    last_progress: dict[str, float] = field(default_factory=dict)
    last_dead_letter: dict[str, float] = field(default_factory=dict)

    def stalled(self, after_s: float) -> list[str]:
        now = time.monotonic()
        return [g for g, t in self.in_flight_since.items() if now - t > after_s]


def raw_decoder(msg: Any) -> bytes:
    """Keep the bytes: decoding happens inside the consumer so failures can be dead-lettered."""
    return msg.body


def _readable(record: Any) -> Any:
    clean = copy.copy(record)
    clean.headers = [(k, v.decode("utf-8", "replace").encode()) for k, v in record.headers or ()]
    return clean


async def tolerant_parser(records: Any, original: Callable[[Any], Any]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and fails before any handler runs, so the
    batch could be neither applied nor dead-lettered. Parse copies with readable headers and keep
    the original records, so `process_batch` dead-letters the bad one with its bytes untouched."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        if isinstance(records, tuple):
            msg = await original(tuple(_readable(r) for r in records))
        else:
            msg = await original(_readable(records))
        msg.raw_message = records
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


class ConsumerGroup:
    """One consumer group: the topics it reads and one typed handler per event class it handles.

    The chassis decodes each record once into its concrete event class and dispatches on `event_type`
    here, so a handler receives exactly the class it registered for (cosmicpython's handler map).
    Events of a type without a handler are skipped; a group may instead take whole batches
    (`on_batch`), for projections that fold many events at once."""

    def __init__(self, name: str, topics: tuple[str, ...]) -> None:
        self.name = name
        self.topics = topics
        self.handlers: dict[str, Handler] = {}
        self.batch_handler: BatchHandler | None = None
        self._batch_types: frozenset[str] = frozenset()

    def on(self, cls: type[E]) -> Callable[[Callable[[E, UnitOfWork], None]], Callable[[E, UnitOfWork], None]]:
        """Register `handler(event: cls, uow)` for events of `cls`."""
        if self.batch_handler is not None:
            raise ValueError(f"{self.name} takes batches; it cannot also have per-event handlers")
        event_type = cls.__name__
        if event_type in self.handlers:
            raise ValueError(f"{self.name} already has a handler for {event_type}")

        def register(handler: Callable[[E, UnitOfWork], None]) -> Callable[[E, UnitOfWork], None]:
            def typed(event: Event, uow: UnitOfWork) -> None:
                if not isinstance(event, cls):  # parse_event makes the registered class; anything else is foreign
                    raise PermanentError(f"{event_type} did not decode as {cls.__name__}")
                handler(event, uow)

            typed.__name__ = typed.__qualname__ = handler.__name__
            typed.__doc__ = handler.__doc__
            self.handlers[event_type] = typed
            return handler

        return register

    def on_batch(self, types: Iterable[str]) -> Callable[[BatchHandler], BatchHandler]:
        """Register `handler(events, uow)` taking every new event of `types` in a fetched batch at once."""
        if self.handlers:
            raise ValueError(f"{self.name} has per-event handlers; it cannot also take batches")

        def register(handler: BatchHandler) -> BatchHandler:
            self.batch_handler = handler
            self._batch_types = frozenset(types)
            return handler

        return register

    @property
    def types(self) -> frozenset[str]:
        return self._batch_types if self.batch_handler is not None else frozenset(self.handlers)

    def dispatch(self, event: Event, uow: UnitOfWork) -> None:
        """Apply one event with its handler (a batch handler gets a batch of one)."""
        if self.batch_handler is not None:
            self.batch_handler([event], uow)
            return
        handler = self.handlers.get(event.event_type)
        if handler is None:
            raise PermanentError(f"{self.name} has no handler for {event.event_type}")
        handler(event, uow)

    def apply_all(self, items: Sequence[tuple[Event, Any]], uow: UnitOfWork) -> None:
        """Apply new events in one transaction: the batch handler once, or each event's handler in order,
        each in its own consume span in the trace its headers carry."""
        if self.batch_handler is not None:
            # one consume span per event, in the trace its headers carry, spanning the fold of the whole batch
            spans = [_tracer.start_span(**_span_args(self.name, record)) for _, record in items]
            try:
                self.batch_handler([event for event, _ in items], uow)
            finally:
                for span in spans:
                    span.end()
            return
        for event, record in items:
            with consume_span(self.name, record):
                self.dispatch(event, uow)


@dataclass(frozen=True)
class _Delivered:
    """Where an event handed over outside Kafka is said to come from (in its inbox row)."""
    topic: str
    partition: int
    offset: int
    headers: list[tuple[str, bytes]]


def _span_args(group: str, record: Any) -> dict[str, Any]:
    carrier = {k: v.decode("utf-8", "replace") for k, v in getattr(record, "headers", None) or ()
               if k in ("traceparent", "tracestate")}
    return {"name": f"{record.topic} process", "context": propagate.extract(carrier), "kind": SpanKind.CONSUMER,
            "attributes": {"messaging.system": "kafka", "messaging.operation": "process",
                           "messaging.destination.name": record.topic, "messaging.consumer.group.name": group,
                           "messaging.destination.partition.id": str(record.partition),
                           "messaging.kafka.offset": record.offset}}


@contextmanager
def consume_span(group: str, record: Any) -> Iterator[None]:
    """A CONSUMER span for one record, continuing the trace its headers carry (the case's trace), so what the
    handler publishes stays in it. FastStream's own span covers the whole fetched batch and only links them."""
    args = _span_args(group, record)
    span = _tracer.start_span(**args)  # start_as_current_span's layers cost a third more, per event
    token = otel_context.attach(trace.set_span_in_context(span, args["context"]))
    try:
        yield
    except BaseException as exc:  # the type only: a message could quote what it failed on
        span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        otel_context.detach(token)
        span.end()


class Consumers:
    """Registers idempotent consumer groups on a router; each applies fetched batches."""

    def __init__(self, db: Database, dead_letters: DeadLetters, *, max_attempts: int = 5,
                 backoff_base_s: float = 0.2, backoff_max_s: float = 5.0, session_timeout_ms: int = 10_000, group_prefix: str = "",
                 max_poll_interval_ms: int = 300_000, max_record_bytes: int | None = None,
                 max_fetch_bytes: int = 16 * 1024 * 1024, max_batch: int = 500) -> None:
        self.max_record_bytes = max_record_bytes  # larger values are dead-lettered unread
        self.max_fetch_bytes = max_fetch_bytes  # the largest record fetched (and dead-lettered) whole
        self.max_poll_interval_ms = max_poll_interval_ms
        self.max_batch = max_batch  # records applied in one transaction at most
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
        self.by_name: dict[str, ConsumerGroup] = {}  # in registration order
        self.subscribers: list[tuple[str, Any]] = []  # (group, FastStream subscriber): lag and re-seeking

    @property
    def groups(self) -> list[str]:
        return list(self.by_name)

    @property
    def topics_of(self) -> dict[str, tuple[str, ...]]:
        """group -> the topics it consumes."""
        return {name: group.topics for name, group in self.by_name.items()}

    @staticmethod
    def _inbox_values(group: str, event: Event, record: Any, now: datetime) -> dict[str, Any]:
        return {"consumer": group, "event_id": str(event.event_id), "topic": record.topic,
                "partition": record.partition, "offset": record.offset, "applied_at": now}

    def apply(self, group: str, handler: Handler, event: Event, record: Any) -> bool:
        """Apply one event in one transaction with its inbox row. False if already applied."""
        with self.db.uow() as uow:
            if uow.session.get(InboxRow, (group, str(event.event_id))) is not None:
                return False
            uow.session.add(InboxRow(**self._inbox_values(group, event, record, datetime.now(UTC))))
            with consume_span(group, record):
                handler(event, uow)
            try:
                uow.commit()
            except IntegrityError:
                # a second instance applied it between our check and commit
                return False
        if self.after_commit is not None:
            self.after_commit(event)
        return True

    def deliver(self, group: str, event: Event, record: Any = None) -> bool:
        """Apply one event as group `group` would (its typed handler, its inbox), outside Kafka: tools and
        tests. False if it was already applied."""
        if record is None:
            record = _Delivered(topic=event.TOPIC, partition=-1, offset=-1, headers=[])
        return self.apply(group, self.by_name[group].dispatch, event, record)

    def apply_batch(self, group: ConsumerGroup, items: Sequence[tuple[Event, Any]]) -> int:
        """Apply a fetched batch in ONE transaction with the inbox rows of its new events; returns how many
        were new. Events already in the inbox, or twice in the batch, are left out. Raises if any handler
        does (nothing of the batch is kept then)."""
        with self.db.uow() as uow:
            ids = list(dict.fromkeys(str(event.event_id) for event, _ in items))
            seen = set(uow.session.exec(select(InboxRow.event_id).where(
                InboxRow.consumer == group.name, col(InboxRow.event_id).in_(ids))).all())
            fresh: list[tuple[Event, Any]] = []
            inbox: list[dict[str, Any]] = []
            now = datetime.now(UTC)
            for event, record in items:
                event_id = str(event.event_id)
                if event_id in seen:
                    continue
                seen.add(event_id)
                inbox.append(self._inbox_values(group.name, event, record, now))
                fresh.append((event, record))
            if fresh:
                # one multi-row INSERT in the handlers' transaction (ORM objects per row cost more than the fold)
                uow.session.execute(insert(InboxRow.__table__), inbox)  # type: ignore[attr-defined]
                group.apply_all(fresh, uow)
                uow.commit()
        if self.after_commit is not None:
            for event, _ in fresh:
                self.after_commit(event)
        return len(fresh)

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

    async def _dead_letter(self, group: str, record: Any, reason: str, attempts: int) -> str:
        await self.dead_letters.send(group, record, reason, attempts=attempts)
        self.stats.dead_lettered[group] += 1
        self.stats.last_dead_letter[group] = time.monotonic()
        log.warning("dead-lettered %s[%s]@%s for %s after %d attempt(s): %s", record.topic, record.partition,
                    record.offset, group, attempts, reason)
        return "dead_lettered"

    async def _decode_or_dead_letter(self, group: str, record: Any) -> Event | None:
        """The record's event, or None once it was dead-lettered (it can never be applied)."""
        try:
            check_headers(record.headers)
            check_record(record, self.max_record_bytes)
            event = decode(record.value)
            check_key(record, event)
            return event
        except PermanentError as exc:
            await self._dead_letter(group, record, str(exc), attempts=1)
            return None

    async def process(self, group: str, handler: Handler, types: frozenset[str] | None, record: Any) -> str:
        """One record on its own: decode, apply in its own transaction with retries, or dead-letter."""
        self.stats.in_flight_since[group] = time.monotonic()
        try:
            event = await self._decode_or_dead_letter(group, record)
            if event is None:
                return "dead_lettered"
            if types is not None and event.event_type not in types:
                self.stats.skipped[group] += 1
                return "skipped"
            return await self._apply_one(group, handler, event, record)
        finally:
            self.stats.in_flight_since.pop(group, None)
            self.stats.last_progress[group] = time.monotonic()

    async def process_batch(self, group: ConsumerGroup, records: Sequence[Any]) -> None:
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
            ready: list[tuple[Event, Any]] = []
            types = group.types
            for record in records:
                event = await self._decode_or_dead_letter(name, record)
                if event is None:
                    continue
                if event.event_type not in types:
                    self.stats.skipped[name] += 1
                    continue
                ready.append((event, record))
            for start in range(0, len(ready), self.max_batch):
                chunk = ready[start:start + self.max_batch]
                try:
                    applied = await asyncio.to_thread(self.apply_batch, group, chunk)
                except Exception as exc:
                    log.info("%s: batch of %d not applied at once (%s); applying one by one", name, len(chunk),
                             type(exc).__name__)
                    for event, record in chunk:
                        await self._apply_one(name, group.dispatch, event, record)
                    continue
                self.stats.applied[name] += applied
                self.stats.duplicates[name] += len(chunk) - applied
                self.stats.last_progress[name] = time.monotonic()
        finally:
            self.stats.in_flight_since.pop(name, None)
            self.stats.in_flight_from.pop(name, None)
            self.stats.last_progress[name] = time.monotonic()

    async def _apply_one(self, group: str, handler: Handler, event: Event, record: Any) -> str:
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
            decoder=raw_decoder, parser=tolerant_parser, fetch_max_wait_ms=100,
            max_partition_fetch_bytes=self.max_fetch_bytes,
            fetch_max_bytes=max(self.max_fetch_bytes, 50 * 1024 * 1024),
            max_poll_interval_ms=self.max_poll_interval_ms, session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(100, self.session_timeout_ms // 10), title=f"{name}:consume",
            description=description,
        )
        subscriber(on_batch)
        self.subscribers.append((name, subscriber))
        return grp

    def subscribe_batch(self, router: KafkaRouter, *topics: str, group: str, handles: Iterable[str],
                        description: str = "") -> Callable[[BatchHandler], BatchHandler]:
        """Register `handler(events, uow)` for group `group`: every new event of `handles` in a fetched batch,
        in one call, in one transaction with their inbox rows (one at a time when that fails)."""
        return self.group(router, *topics, name=group, description=description).on_batch(handles)
