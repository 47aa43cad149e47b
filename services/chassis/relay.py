"""Publishing the outbox: a traced producer for its rows and the relay that sends them in order per key."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import errors as kafka_errors
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.semconv.trace import SpanAttributes
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.chassis import outbox_store
from services.chassis.db import Database
from services.chassis.outbox_store import Backlog
from services.chassis.tables import OutboxRow

log = logging.getLogger("kontakt.outbox")
_tracer = trace.get_tracer("en-vag-in.outbox")

# The broker refuses these for good: retrying the same row can never succeed, so it is parked.
NON_RETRIABLE: tuple[type[BaseException], ...] = (
    kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordTooLargeError, kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidTopicError, kafka_errors.TopicAuthorizationFailedError,
    kafka_errors.CorruptRecordException, kafka_errors.UnsupportedForMessageFormatError,
    kafka_errors.PolicyViolationError,
)
# hands a row to the broker; returns its acknowledgement to await, or None when it already awaited it
Publish = Callable[[OutboxRow], Awaitable[Awaitable[Any] | None]]


def _acknowledged() -> asyncio.Future[None]:
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    fut.set_result(None)
    return fut


def _id(row: OutboxRow) -> int:
    assert row.id is not None, "an outbox row read from the database has its id"
    return row.id


class RowProducer:
    """Hands outbox rows to an aiokafka producer; returns each row's acknowledgement without awaiting it.

    One PRODUCER span per row, `<topic> publish`, from hand-over to the broker's acknowledgement (an error
    status if refused), in the trace context the relay restored from the row's headers; its context goes
    out in the record's `traceparent`, so the consumer's span continues it, as FastStream's telemetry
    middleware does for its publishers (which cost the relay several times more per row).
    """

    def __init__(self, producer: Callable[[], Any]) -> None:
        self.producer = producer  # returns the AIOKafkaProducer (started with the pipeline, after this)

    async def __call__(self, row: OutboxRow) -> asyncio.Future[Any]:
        producer = self.producer()
        span = _tracer.start_span(f"{row.topic} publish", kind=SpanKind.PRODUCER, attributes={
            SpanAttributes.MESSAGING_SYSTEM: "kafka", SpanAttributes.MESSAGING_DESTINATION_NAME: row.topic,
            SpanAttributes.MESSAGING_OPERATION: "publish", SpanAttributes.MESSAGING_KAFKA_MESSAGE_KEY: row.key,
            SpanAttributes.MESSAGING_MESSAGE_ID: row.event_id,
            SpanAttributes.MESSAGING_MESSAGE_CONVERSATION_ID: str(row.headers.get("correlation_id", "")),
            SpanAttributes.MESSAGING_MESSAGE_PAYLOAD_SIZE_BYTES: len(row.payload)})
        headers = dict(row.headers)
        propagate.inject(headers, context=trace.set_span_in_context(span))
        try:
            ack: asyncio.Future[Any] = await producer.send(row.topic, row.payload, key=row.key.encode(),
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


class _Window:
    """One drain cycle's bookkeeping: rows waiting per key, acknowledgements in flight, what was sent."""

    def __init__(self, rows: Sequence[OutboxRow]) -> None:
        self.waiting: dict[str, deque[OutboxRow]] = {}  # per key, in outbox order; dicts keep first-seen order
        for row in rows:
            self.waiting.setdefault(row.key, deque()).append(row)
        self.done: list[int] = []
        self.suspects: list[OutboxRow] = []  # refused for good in a request that carried other rows too
        self.failure: BaseException | None = None
        self.in_flight: dict[asyncio.Future[Any], OutboxRow] = {}
        self.settled: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()


class OutboxRelay:
    """Publishes unsent outbox rows with acks=all, pipelined, then marks them sent in one statement.

    `publish(row)` hands a row to the producer and returns its acknowledgement to await (or None when it
    has already waited for it). Rows of different keys are in flight together; a key has at most one row
    in flight, and its next row is handed over only once the broker has acknowledged the one before, so a
    failure can never let a later row of a case overtake an earlier one. A crash between send and mark
    re-sends on restart: a duplicate, never a loss. Consumers de-duplicate on event_id (the inbox).
    """

    def __init__(self, db: Database, publish: Publish, batch_size: int = 500, idle_s: float = 0.5) -> None:
        self.db = db
        self._publish = publish
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

    def parked_rows(self) -> list[OutboxRow]:
        return outbox_store.parked_rows(self.db.engine)

    def redrive(self, ids: list[int] | None = None) -> int:
        """Put parked rows (all, or those with `ids`) back in line after a fix; order per key holds."""
        n = outbox_store.unpark(self.db.engine, ids)
        self.wake()
        return n

    def backlog(self) -> Backlog:
        return outbox_store.backlog(self.db.engine)

    def mark_all_unsent(self) -> int:
        """Embedded broker restarted empty: publish everything again; consumers absorb repeats."""
        return outbox_store.mark_all_unsent(self.db.engine)

    async def publish_row(self, row: OutboxRow) -> Awaitable[Any] | None:
        """Hand `row` to the producer in the trace context its headers carry (the producer span continues
        the case's trace); returns the acknowledgement to await, or None if `publish` already awaited it."""
        token = otel_context.attach(propagate.extract(row.headers))
        try:
            return await self._publish(row)
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
        rows = await asyncio.to_thread(outbox_store.next_unsent, self.db.engine, self.batch_size)
        if not rows:
            self.last_advance = time.monotonic()
            return 0
        w = _Window(rows)
        try:
            for queue in w.waiting.values():  # the first row of every key, oldest first
                if w.failure is not None:
                    break
                await self._hand_over(w, queue.popleft())
            await self._settle(w)
            # nothing else in flight now: each suspect alone, so only the real culprit is parked
            for row in sorted(w.suspects, key=_id):
                if w.failure is not None:
                    break
                await self._send_alone(w, row)
        finally:
            for fut in w.in_flight:  # cancelled (stop): what was handed over may still go; it stays unsent
                fut.remove_done_callback(w.settled.put_nowait)
            if w.done:
                await asyncio.to_thread(outbox_store.mark_sent, self.db.engine, w.done)
                self.published += len(w.done)
                self.last_advance = time.monotonic()
        if w.failure is not None:
            raise w.failure
        return len(rows)

    async def _hand_over(self, w: _Window, row: OutboxRow) -> None:
        try:
            ack = await self.publish_row(row)
        except NON_RETRIABLE as exc:  # refused before it left (the producer checks a record's size): this row
            await self._park_row(row, exc)
            return
        except Exception as exc:
            w.failure = exc
            return
        fut = asyncio.ensure_future(ack) if ack is not None else _acknowledged()
        w.in_flight[fut] = row
        fut.add_done_callback(w.settled.put_nowait)

    async def _settle(self, w: _Window) -> None:
        """Wait for every acknowledgement; each acknowledged row hands over the next row of its key."""
        while w.in_flight:
            fut = await w.settled.get()
            row = w.in_flight.pop(fut)
            exc = asyncio.CancelledError() if fut.cancelled() else fut.exception()
            if exc is None:
                w.done.append(_id(row))
                queue = w.waiting[row.key]
                if queue and w.failure is None:
                    await self._hand_over(w, queue.popleft())
            elif isinstance(exc, NON_RETRIABLE):
                w.suspects.append(row)  # the broker refuses a whole record batch for one bad record
            elif w.failure is None:
                w.failure = exc

    async def _send_alone(self, w: _Window, row: OutboxRow) -> None:
        try:
            ack = await self.publish_row(row)
            if ack is not None:
                await ack
        except NON_RETRIABLE as exc:
            await self._park_row(row, exc)
        except Exception as exc:
            w.failure = exc
        else:
            w.done.append(_id(row))

    async def _park_row(self, row: OutboxRow, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {str(exc)[:300]}"
        await asyncio.to_thread(outbox_store.park, self.db.engine, _id(row), reason)
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
