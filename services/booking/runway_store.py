"""The runway's own table (one row per unit while its shortage episode is open) and the queries the forecast reads."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Field, Session, col, delete, func, select

from services.booking.store import BookingBase, BookingCase, FreeTime, free_new_visits


class RunwayShortage(BookingBase, table=True):
    """A unit whose runway is short now: SlotRunwayShort was published when the row was made; the row goes
    when the runway is long again, so the next shortage is told again (once per episode)."""

    __tablename__ = "runway_shortages"
    unit_id: str = Field(primary_key=True, max_length=60)
    since: date
    last_day: date | None = None
    alerted_at: datetime


def free_new_visits_by_unit(s: Session, now: datetime, unit_ids: Sequence[str]) -> dict[str, list[FreeTime]]:
    """Free new-visit times (not held, not booked, not begun) per unit, earliest first."""
    by_unit: dict[str, list[FreeTime]] = {u: [] for u in unit_ids}
    for slot in free_new_visits(s, now, unit_ids):
        by_unit[slot.unit_id].append(slot)
    return by_unit


def decided_since(s: Session, since: datetime) -> list[tuple[str, str, datetime]]:
    """(municipality, level, decided_at) of every case decided since `since`: the demand history."""
    q = select(BookingCase.municipality, BookingCase.level, BookingCase.decided_at).where(
        col(BookingCase.decided_at) >= since, col(BookingCase.level).is_not(None))
    return [(m, lvl, at) for m, lvl, at in s.exec(q).all() if lvl is not None and at is not None]


def earliest_decided(s: Session) -> datetime | None:
    """When the first case in booking's history was decided (how far back a year-ago comparison can look)."""
    return s.exec(select(func.min(col(BookingCase.decided_at)))).one()


def open_shortages(s: Session) -> dict[str, RunwayShortage]:
    return {r.unit_id: r for r in s.exec(select(RunwayShortage)).all()}


def close_shortage(s: Session, unit_id: str) -> None:
    s.exec(delete(RunwayShortage).where(col(RunwayShortage.unit_id) == unit_id))
