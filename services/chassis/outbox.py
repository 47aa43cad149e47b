"""Transactional outbox: events are rows written with the state change, published after commit."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, cast

from aiokafka import errors as kafka_errors
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.semconv.trace import SpanAttributes
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import func, update
from sqlmodel import Session, select

from contracts.envelope import Event
from services.chassis.db import Database
from services.chassis.tables import OutboxRow
from services.chassis.tracing import in_case_trace

log = logging.getLogger("kontakt.outbox")
_tracer = trace.get_tracer("en-vag-in.outbox")


def _acknowledged() -> asyncio.Future[None]:
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    fut.set_result(None)
    return fut


def event_headers(ev: Event) -> dict[str, str]:
    """Headers that travel with every event: routing facts and W3C trace context, never personal data."""
    headers = {
        "content-type": "application/json",
        "event_type": ev.event_type,
        "schema_version": str(ev.schema_version),
        "event_id": str(ev.event_id),
        "correlation_id": str(ev.correlation_id),
    }
    if ev.case_id:
        with in_case_trace(ev.case_id, f"case {ev.event_type}"):
            propagate.inject(headers)  # the case's trace, linked to what caused the event
    else:
        propagate.inject(headers)  # traceparent of the request or message that caused the event
    return headers


# The broker refuses these for good: retrying the same row can never succeed, so it is parked.
NON_RETRIABLE: tuple[type[BaseException], ...] = (
    kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordTooLargeError, kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidTopicError, kafka_errors.TopicAuthorizationFailedError,
    kafka_errors.CorruptRecordException, kafka_errors.UnsupportedForMessageFormatError,
    kafka_errors.PolicyViolationError,
)
# what a record costs beyond key, value and headers (record batch and record framing), rounded up
RECORD_OVERHEAD = 512


class EventTooLarge(Exception):
    """An event would exceed the broker's message size: it can never be published, so it is never stored."""

    def __init__(self, event_type: str, size: int, limit: int, field: str) -> None:
        super().__init__(f"{event_type} would be {size} bytes on the bus, more than {limit}; largest field {field}")
        self.event_type, self.size, self.limit, self.field = event_type, size, limit, field


def largest_field(value: Any, path: str = "") -> tuple[str, int]:
    """The dotted path of the biggest leaf of a JSON-like value, and its size: what made an event too big."""
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(f"{path}.{k}" if path else str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return path, len(str(value).encode())
    best = (path, 0)
    for sub_path, sub in items:
        found = largest_field(sub, sub_path)
        if found[1] > best[1]:
            best = found
    return best


def encoded_size(values: dict[str, Any]) -> int:
    """What an outbox row's record costs on the bus: value, key, headers and framing."""
    headers = sum(len(k.encode()) + len(str(v).encode()) for k, v in values["headers"].items())
    return len(values["payload"]) + len(values["key"].encode()) + headers + RECORD_OVERHEAD


def outbox_values(ev: Event, max_bytes: int | None = None) -> dict[str, Any]:
    """The outbox row's columns for `ev`; refuses (EventTooLarge) an event the broker could never take."""
    values: dict[str, Any] = {
        "event_id": str(ev.event_id), "event_type": ev.event_type, "topic": ev.TOPIC, "key": ev.key,
        "payload": ev.model_dump_json().encode(), "headers": event_headers(ev),
        "created_at": datetime.now(UTC)}
    if max_bytes is not None and (size := encoded_size(values)) > max_bytes:
        field, _ = largest_field(ev.model_dump(mode="json"))
        raise EventTooLarge(ev.event_type, size, max_bytes, field)
    return values


def outbox_row(ev: Event, max_bytes: int | None = None) -> OutboxRow:
    """The row for `ev` as an object (tests, tools); units of work insert `outbox_values` in bulk."""
    return OutboxRow(**outbox_values(ev, max_bytes))


class RowProducer:
    """Hands outbox rows to an aiokafka producer; returns each row's acknowledgement without awaiting it.

    One PRODUCER span per row, `<topic> publish`, from hand-over to the broker's acknowledgement (an error
    status if refused), in the trace context the relay restored from the row's headers; its context goes
    out in the record's `traceparent`, so the consumer's span continues it, as FastStream's telemetry
    middleware does for its publishers (which cost the relay several times more per row).
    """

    def __init__(self, producer: Any) -> None:
        self.producer = producer  # an AIOKafkaProducer, or a callable returning it (started later)

    async def __call__(self, row: OutboxRow) -> asyncio.Future[Any]:
        producer = self.producer() if callable(self.producer) else self.producer
        key = row.key.encode()
        span = _tracer.start_span(f"{row.topic} publish", kind=SpanKind.PRODUCER, attributes={
            SpanAttributes.MESSAGING_SYSTEM: "kafka", SpanAttributes.MESSAGING_DESTINATION_NAME: row.topic,
            SpanAttributes.MESSAGING_OPERATION: "publish", SpanAttributes.MESSAGING_KAFKA_MESSAGE_KEY: row.key,
            SpanAttributes.MESSAGING_MESSAGE_ID: row.event_id,
            SpanAttributes.MESSAGING_MESSAGE_CONVERSATION_ID: str(row.headers.get("correlation_id", "")),
            SpanAttributes.MESSAGING_MESSAGE_PAYLOAD_SIZE_BYTES: len(row.payload)})
        headers = dict(row.headers)
        propagate.inject(headers, context=trace.set_span_in_context(span))
        try:
            ack: asyncio.Future[Any] = await producer.send(row.topic, row.payload, key=key,
                                                           headers=[(k, str(v).encode()) for k, v in headers.items()])
        except BaseException as exc:
            _end(span, exc)
            raise
        ack.add_done_callback(lambda f: _end(span, None if f.cancelled() else f.exception()))
        return ack


def _end(span: trace.Span, exc: BaseException | None) -> None:
    if exc is not None:
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    span.end()


class OutboxRelay:
    """Publishes unsent outbox rows with acks=all, pipelined, then marks them sent in one statement.

    `publish(row)` hands a row to the producer and returns its acknowledgement to await (or None when it
    has already waited for it). Rows of different keys are in flight together; a key has at most one row
    in flight, and its next row is handed over only once the broker has acknowledged the one before, so a
    failure can never let a later row of a case overtake an earlier one. A crash between send and mark
    re-sends on restart: a duplicate, never a loss. Consumers de-duplicate on event_id (the inbox).
    """

    def __init__(self, db: Database, publish: Any, batch_size: int = 500, idle_s: float = 0.5) -> None:
        self.db = db
        self._publish = publish  # async (row) -> acknowledgement awaitable | None
        self.batch_size = batch_size
        self.idle_s = idle_s
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self.lock = asyncio.Lock()  # held for a cycle; healing a forgetful broker holds it to keep sends out
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.last_cycle: datetime | None = None
        self.last_error: str | None = None
        self.parked = 0  # rows this process set aside
        self.last_advance = time.monotonic()  # when a row was last sent (or the relay found nothing to do)
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Called after any commit (possibly from a worker thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _fetch(self) -> list[OutboxRow]:
        """Unsent rows in order, except parked ones and every later row of a parked row's key."""
        with Session(self.db.engine) as s:
            blocked = select(OutboxRow.key).where(OutboxRow.parked_at.is_not(None),  # type: ignore[union-attr]
                                                  OutboxRow.sent_at.is_(None))  # type: ignore[union-attr]
            rows = s.exec(select(OutboxRow).where(OutboxRow.sent_at.is_(None),  # type: ignore[union-attr]
                                                  OutboxRow.key.not_in(blocked))  # type: ignore[attr-defined]
                          .order_by(OutboxRow.id).limit(self.batch_size)).all()
            return list(rows)

    def _park(self, row_id: int, reason: str) -> None:
        with Session(self.db.engine) as s:
            s.exec(update(OutboxRow).where(OutboxRow.id == row_id)  # type: ignore[call-overload,arg-type]
                   .values(parked_at=datetime.now(UTC), parked_reason=reason[:400]))
            s.commit()

    def parked_rows(self) -> list[OutboxRow]:
        with Session(self.db.engine) as s:
            return list(s.exec(select(OutboxRow).where(OutboxRow.parked_at.is_not(None),  # type: ignore[union-attr]
                                                       OutboxRow.sent_at.is_(None))  # type: ignore[union-attr]
                               .order_by(OutboxRow.id)).all())

    def redrive(self, ids: list[int] | None = None) -> int:
        """Put parked rows (all, or those with `ids`) back in line after a fix; order per key holds."""
        with Session(self.db.engine) as s:
            stmt = update(OutboxRow).where(OutboxRow.parked_at.is_not(None),  # type: ignore[union-attr]
                                           OutboxRow.sent_at.is_(None))  # type: ignore[union-attr]
            if ids is not None:
                stmt = stmt.where(OutboxRow.id.in_(ids))  # type: ignore[union-attr]
            res = s.exec(stmt.values(parked_at=None, parked_reason=None))  # type: ignore[call-overload]
            s.commit()
        self.wake()
        return int(res.rowcount or 0)

    def backlog(self) -> dict[str, float]:
        """Unsent rows waiting (parked ones apart), parked rows, and the age of the oldest waiting row."""
        with Session(self.db.engine) as s:
            unsent = OutboxRow.sent_at.is_(None)  # type: ignore[union-attr]
            waiting, oldest = s.exec(select(func.count(), func.min(OutboxRow.created_at))
                                     .where(unsent, OutboxRow.parked_at.is_(None))).one()  # type: ignore[union-attr]
            parked = s.exec(select(func.count()).select_from(OutboxRow)
                            .where(unsent, OutboxRow.parked_at.is_not(None))).one()  # type: ignore[union-attr]
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        return {"waiting": int(waiting), "parked": int(parked), "oldest_age_s": max(age, 0.0)}

    def _mark(self, ids: list[int]) -> None:
        with Session(self.db.engine) as s:
            s.exec(update(OutboxRow).where(OutboxRow.id.in_(ids))  # type: ignore[union-attr,call-overload]
                   .values(sent_at=datetime.now(UTC)))
            s.commit()

    def mark_all_unsent(self) -> int:
        """Embedded broker restarted empty: publish everything again; consumers absorb repeats."""
        with Session(self.db.engine) as s:
            res = s.exec(update(OutboxRow).values(sent_at=None))  # type: ignore[call-overload]
            s.commit()
            return int(res.rowcount or 0)

    async def publish_row(self, row: OutboxRow) -> Awaitable[Any] | None:
        """Hand `row` to the producer in the trace context its headers carry (the producer span continues
        the case's trace); returns the acknowledgement to await, or None if `publish` already awaited it."""
        token = otel_context.attach(propagate.extract(row.headers))
        try:
            return cast("Awaitable[Any] | None", await self._publish(row))
        finally:
            otel_context.detach(token)

    async def drain_once(self) -> int:
        async with self.lock:
            return await self._drain()

    async def _drain(self) -> int:
        """Send the unsent rows fetched (a window), wait for every acknowledgement, mark the sent in one UPDATE.

        Per key one row in flight: its next row goes once the broker acknowledged it. A row the broker
        refuses for good is parked and its key stops; a transient failure stops the handing over, the rows
        acknowledged so far are marked, and the error is raised (the run loop retries after a back-off).
        """
        rows = await asyncio.to_thread(self._fetch)
        if not rows:
            self.last_advance = time.monotonic()
            return 0
        waiting: dict[str, deque[OutboxRow]] = {}  # per key, in outbox order; dicts keep first-seen order
        for row in rows:
            waiting.setdefault(row.key, deque()).append(row)
        done: list[int] = []
        suspects: list[OutboxRow] = []  # refused for good in a request that carried other rows too
        failure: BaseException | None = None
        in_flight: dict[asyncio.Future[Any], OutboxRow] = {}
        settled: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()

        async def hand_over(row: OutboxRow) -> None:
            nonlocal failure
            try:
                ack = await self.publish_row(row)
            except NON_RETRIABLE as exc:  # refused before it left (the producer checks a record's size): this row
                await self._park_row(row, exc)
                return
            except Exception as exc:
                failure = exc
                return
            fut = asyncio.ensure_future(ack) if ack is not None else _acknowledged()
            in_flight[fut] = row
            fut.add_done_callback(settled.put_nowait)

        try:
            for queue in waiting.values():  # the first row of every key, oldest first
                if failure is not None:
                    break
                await hand_over(queue.popleft())
            while in_flight:
                fut = await settled.get()
                row = in_flight.pop(fut)
                exc = asyncio.CancelledError() if fut.cancelled() else fut.exception()
                if exc is None:
                    done.append(row.id)  # type: ignore[arg-type]
                    queue = waiting[row.key]
                    if queue and failure is None:
                        await hand_over(queue.popleft())
                elif isinstance(exc, NON_RETRIABLE):
                    suspects.append(row)  # the broker refuses a whole record batch for one bad record
                elif failure is None:
                    failure = exc
            # nothing else in flight now: each suspect alone, so only the real culprit is parked
            for row in sorted(suspects, key=lambda r: r.id):  # type: ignore[arg-type,return-value]
                if failure is not None:
                    break
                try:
                    ack = await self.publish_row(row)
                    if ack is not None:
                        await ack
                except NON_RETRIABLE as exc:
                    await self._park_row(row, exc)
                except Exception as exc:
                    failure = exc
                else:
                    done.append(row.id)  # type: ignore[arg-type]
        finally:
            for fut in in_flight:  # cancelled (stop): what was handed over may still go; it stays unsent
                fut.remove_done_callback(settled.put_nowait)
            if done:
                await asyncio.to_thread(self._mark, done)
                self.published += len(done)
                self.last_advance = time.monotonic()
        if failure is not None:
            raise failure
        return len(rows)

    async def _park_row(self, row: OutboxRow, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {str(exc)[:300]}"
        await asyncio.to_thread(self._park, row.id, reason)  # type: ignore[arg-type]
        self.parked += 1
        log.error("outbox row %s (%s to %s) parked: %s; later events of its key wait",
                  row.id, row.event_type, row.topic, reason)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = 0.2
        while not self._stop.is_set():
            self._wake.clear()  # a commit during the cycle sets it again: the next cycle starts at once
            try:
                n = await self.drain_once()
                self.last_cycle = datetime.now(UTC)
                self.last_error = None
                backoff = 0.2
                if n >= self.batch_size or self._wake.is_set():
                    continue
            except Exception as exc:  # broker or database away: keep rows, try again later
                self.last_error = type(exc).__name__
                log.warning("outbox relay cycle failed: %s; retrying in %.1fs", type(exc).__name__, backoff)
                self._wake.clear()
                try:  # a wake (a commit, a healed broker) cuts the wait short
                    await asyncio.wait_for(self._wake.wait(), timeout=backoff)
                    backoff = 0.2
                except TimeoutError:
                    backoff = min(backoff * 2, 10.0)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.idle_s)
            except TimeoutError:
                pass

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the batch in flight, then stop."""
        self._stop.set()
        self._wake.set()
        if self._task:
            await self._task
