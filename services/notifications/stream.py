"""Case events for staff apps over Server-Sent Events: filtered by role and unit, resumable by sequence number."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlmodel import Session

from services.chassis.audit import AuditTrail
from services.chassis.auth import Staff
from services.chassis.db import Database
from services.notifications import store
from services.notifications.domain.policy import StreamPolicy
from services.notifications.domain.visibility import visible
from services.notifications.store import StreamEvent


def read_after(db: Database, after: int, limit: int = 200) -> list[StreamEvent]:
    with Session(db.engine) as s:
        return store.stream_after(s, after, limit)


def audit_delivered(db: Database, audit: AuditTrail, staff: Staff, case_ids: list[str]) -> None:
    """One audit row per child whose event went to this person (the stream is a read of their case)."""
    with Session(db.engine) as s:
        children = [(case_id, store.patient_ref(s, case_id)) for case_id in dict.fromkeys(case_ids)]
    audit.children(staff, "stream-case-event", children, detail="delivered on the event stream")


async def events_for(db: Database, staff: Staff, policy: StreamPolicy, after: int, poll_s: float,
                     follow: bool = True, audit: AuditTrail | None = None) -> AsyncIterator[dict[str, Any]]:
    """SSE messages after sequence `after`, in order. The SSE id is the sequence number of every row read,
    so a reconnect with Last-Event-ID resumes exactly after the last event the client received."""
    while True:
        rows = await asyncio.to_thread(read_after, db, after)
        shown: list[tuple[int, str, dict[str, Any], str | None]] = []
        for row in rows:
            data = visible(row, staff.role, staff.unit, policy)
            if data is not None:
                shown.append((row.seq, row.kind, data, row.case_id))
        children = [case_id for *_, case_id in shown if case_id]
        if audit is not None and children:  # written before the events leave: no delivery goes unaudited
            await asyncio.to_thread(audit_delivered, db, audit, staff, children)
        for seq, kind, data, _ in shown:
            yield {"id": str(seq), "event": kind, "data": json.dumps(data, ensure_ascii=False)}
        if rows:
            after = rows[-1].seq
        if not rows:
            if not follow:
                return
            await asyncio.sleep(poll_s)
