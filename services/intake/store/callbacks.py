"""Intake's named queries for call-backs, staffing reports and the live queue, each taking a session."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from services.intake.store.tables import CallbackRow, CallStepRow, StaffingRow


def callback(s: Session, callback_id: str) -> CallbackRow | None:
    return s.get(CallbackRow, callback_id)


def callback_of_call(s: Session, call_id: str) -> CallbackRow | None:
    return s.exec(select(CallbackRow).where(col(CallbackRow.call_id) == call_id)).first()


def load_per_window(s: Session, since: datetime) -> dict[datetime, int]:
    """Active (waiting) call-backs per promised window start, from `since` on."""
    q = (select(CallbackRow.window_start, func.count()).where(col(CallbackRow.status) == "waiting",
                                                              col(CallbackRow.window_start) >= since)
         .group_by(col(CallbackRow.window_start)))
    return {start: int(n) for start, n in s.exec(q)}


def take(s: Session, callback_id: str, staff_ref: str, now: datetime, expired_before: datetime) -> bool:
    """Claim a waiting call-back for `staff_ref`, atomically: one conditional UPDATE, so of two staff taking at
    once exactly one changes the row (the other's WHERE no longer matches). A take older than `expired_before`
    is free again; the same person taking again keeps it."""
    result = s.exec(
        update(CallbackRow)
        .where(col(CallbackRow.callback_id) == callback_id, col(CallbackRow.status) == "waiting",
               or_(col(CallbackRow.taken_by).is_(None), col(CallbackRow.taken_by) == staff_ref,
                   col(CallbackRow.taken_at) < expired_before))
        .values(taken_by=staff_ref, taken_at=now))
    return result.rowcount == 1


def waiting_callbacks(s: Session, limit: int = 200) -> list[CallbackRow]:
    """The call-back list: waiting ones, the one due first on top."""
    q = (select(CallbackRow).where(col(CallbackRow.status) == "waiting")
         .order_by(col(CallbackRow.due_at), col(CallbackRow.requested_at)).limit(limit))
    return list(s.exec(q))


def latest_staffing(s: Session, now: datetime, since: datetime) -> int | None:
    """The platform's latest count of agents signed in, if it reported one since `since`."""
    q = (select(StaffingRow.agents_signed_in).where(col(StaffingRow.at) <= now, col(StaffingRow.at) >= since)
         .order_by(col(StaffingRow.at).desc(), col(StaffingRow.id).desc()).limit(1))
    return s.exec(q).first()


def steps_since(s: Session, since: datetime) -> dict[str, list[tuple[str, datetime]]]:
    """Every step of the calls with a step since `since`, by call."""
    recent = select(CallStepRow.call_id).where(col(CallStepRow.at) >= since)
    out: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for row in s.exec(select(CallStepRow).where(col(CallStepRow.call_id).in_(recent))):
        out[row.call_id].append((row.step, row.at))
    return dict(out)


def hand_back(s: Session, callback_id: str, staff_ref: str) -> bool:
    """Release the holder's claim on a waiting call-back, atomically; False when `staff_ref` does not hold it."""
    result = s.exec(
        update(CallbackRow)
        .where(col(CallbackRow.callback_id) == callback_id, col(CallbackRow.status) == "waiting",
               col(CallbackRow.taken_by) == staff_ref)
        .values(taken_by=None, taken_at=None))
    return result.rowcount == 1
