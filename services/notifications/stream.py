"""Case events for staff apps over Server-Sent Events: filtered by role and unit, resumable by sequence number."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlmodel import Session

from services.chassis.auth import Staff
from services.chassis.db import Database
from services.notifications import store
from services.notifications.domain.policy import StreamPolicy
from services.notifications.domain.visibility import visible
from services.notifications.store import StreamEvent


def read_after(db: Database, after: int, limit: int = 200) -> list[StreamEvent]:
    with Session(db.engine) as s:
        return store.stream_after(s, after, limit)


async def events_for(db: Database, staff: Staff, policy: StreamPolicy, after: int, poll_s: float,
                     follow: bool = True) -> AsyncIterator[dict[str, Any]]:
    """SSE messages after sequence `after`, in order. The SSE id is the sequence number of every row read,
    so a reconnect with Last-Event-ID resumes exactly after the last event the client received."""
    while True:
        rows = await asyncio.to_thread(read_after, db, after)
        for row in rows:
            after = row.seq
            data = visible(row, staff.role, staff.unit, policy)
            if data is not None:
                yield {"id": str(row.seq), "event": row.kind, "data": json.dumps(data, ensure_ascii=False)}
        if not rows:
            if not follow:
                return
            await asyncio.sleep(poll_s)
