"""Transactional outbox: events are rows written with the state change, published after commit."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from sqlalchemy import update
from sqlmodel import Session, select

from contracts.envelope import Event
from services.chassis.db import Database
from services.chassis.tables import OutboxRow
from services.chassis.tracing import in_case_trace

log = logging.getLogger("kontakt.outbox")


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


def outbox_row(ev: Event) -> OutboxRow:
    return OutboxRow(
        event_id=str(ev.event_id), event_type=ev.event_type, topic=ev.TOPIC, key=ev.key,
        payload=ev.model_dump_json().encode(), headers=event_headers(ev),
        created_at=datetime.now(timezone.utc),
    )


class OutboxRelay:
    """Publishes unsent outbox rows in order with acks=all, then marks them sent.

    A crash between send and mark re-sends on restart: a duplicate, never a loss.
    Consumers de-duplicate on event_id (the inbox).
    """

    def __init__(self, db: Database, publish: Any, batch_size: int = 500, idle_s: float = 0.5) -> None:
        self.db = db
        self._publish = publish  # async (row) -> None
        self.batch_size = batch_size
        self.idle_s = idle_s
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.last_cycle: datetime | None = None
        self.last_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Called after any commit (possibly from a worker thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _fetch(self) -> list[OutboxRow]:
        with Session(self.db.engine) as s:
            rows = s.exec(select(OutboxRow).where(OutboxRow.sent_at.is_(None))  # type: ignore[union-attr]
                          .order_by(OutboxRow.id).limit(self.batch_size)).all()
            return list(rows)

    def _mark(self, ids: list[int]) -> None:
        with Session(self.db.engine) as s:
            s.exec(update(OutboxRow).where(OutboxRow.id.in_(ids))  # type: ignore[union-attr,call-overload]
                   .values(sent_at=datetime.now(timezone.utc)))
            s.commit()

    def mark_all_unsent(self) -> int:
        """Embedded broker restarted empty: publish everything again; consumers absorb repeats."""
        with Session(self.db.engine) as s:
            res = s.exec(update(OutboxRow).values(sent_at=None))  # type: ignore[call-overload]
            s.commit()
            return int(res.rowcount or 0)

    async def publish_row(self, row: OutboxRow) -> None:
        token = otel_context.attach(propagate.extract(row.headers))
        try:
            await self._publish(row)
        finally:
            otel_context.detach(token)

    async def drain_once(self) -> int:
        rows = await asyncio.to_thread(self._fetch)
        if not rows:
            return 0
        done: list[int] = []
        try:
            for row in rows:
                await self.publish_row(row)
                done.append(row.id)  # type: ignore[arg-type]
        finally:
            if done:
                await asyncio.to_thread(self._mark, done)
                self.published += len(done)
        return len(rows)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = 0.2
        while not self._stop.is_set():
            try:
                n = await self.drain_once()
                self.last_cycle = datetime.now(timezone.utc)
                self.last_error = None
                backoff = 0.2
                if n >= self.batch_size:
                    continue
            except Exception as exc:  # broker or database away: keep rows, try again later
                self.last_error = type(exc).__name__
                log.warning("outbox relay cycle failed: %s; retrying in %.1fs", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._wake.clear()
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
