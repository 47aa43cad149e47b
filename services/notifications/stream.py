"""Case events for staff apps over Server-Sent Events: filtered by role and unit, resumable by sequence number."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlmodel import Session, select

from services.chassis.auth import Staff
from services.chassis.db import Database
from services.notifications.policy import StreamPolicy
from services.notifications.store import StreamEvent


def visible(row: StreamEvent, staff: Staff, policy: StreamPolicy) -> dict[str, Any] | None:
    """What this staff member may see of the event, or None. Never names, addresses or phone numbers:
    the rows hold none; restricted health details go only to the roles the policy names."""
    kind = policy.kinds.get(row.kind)
    if kind is None or staff.role not in kind.roles:
        return None
    if staff.role in policy.unit_scoped_roles and (staff.unit is None or staff.unit not in row.units):
        return None
    data = {"seq": row.seq, "kind": row.kind, "case_id": row.case_id, "at": row.at.isoformat(),
            "units": row.units, **row.data}
    if staff.role in kind.restricted_roles:
        data.update(row.restricted)
    return data


def read_after(db: Database, after: int, limit: int = 200) -> list[StreamEvent]:
    with Session(db.engine) as s:
        return list(s.exec(select(StreamEvent).where(StreamEvent.seq > after)
                           .order_by(StreamEvent.seq).limit(limit)).all())  # type: ignore[arg-type]


async def events_for(db: Database, staff: Staff, policy: StreamPolicy, after: int, poll_s: float,
                     follow: bool = True) -> AsyncIterator[dict[str, Any]]:
    """SSE messages after sequence `after`, in order. The SSE id is the sequence number of every row read,
    so a reconnect with Last-Event-ID resumes exactly after the last event the client received."""
    while True:
        rows = await asyncio.to_thread(read_after, db, after)
        for row in rows:
            after = row.seq
            data = visible(row, staff, policy)
            if data is not None:
                yield {"id": str(row.seq), "event": row.kind, "data": json.dumps(data, ensure_ascii=False)}
        if not rows:
            if not follow:
                return
            await asyncio.sleep(poll_s)
