"""The runway's own tables (one row per unit while its shortage episode is open; the latest KPI demand forecast) and
the queries the forecast reads."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Column, Field, Session, col, delete, func, select

from services.booking.domain.forecast_demand import DemandForecast, ForecastCell
from services.booking.store import BookingBase, BookingCase, Slot, free_now
from services.chassis.clock import STOCKHOLM


class RunwayShortage(BookingBase, table=True):
    """A unit whose runway is short now: SlotRunwayShort was published when the row was made; the row goes
    when the runway is long again, so the next shortage is told again (once per episode)."""

    __tablename__ = "runway_shortages"
    unit_id: str = Field(primary_key=True, max_length=60)
    since: date
    last_day: date | None = None
    alerted_at: datetime


class DemandForecastRow(BookingBase, table=True):
    """The latest DemandForecastPublished from the KPI service (one row per scope: the region): counts only."""

    __tablename__ = "demand_forecasts"
    scope: str = Field(primary_key=True, max_length=20)
    computed_at: datetime
    first_day: date
    days: int
    z: float
    method: str = Field(max_length=20)
    cells: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    event_id: str = Field(max_length=36)
    received_at: datetime

    def forecast(self) -> DemandForecast:
        return DemandForecast(self.computed_at, self.first_day, self.days, self.z, [
            ForecastCell(c["municipality"], c["level"], c["expected"], c["high"]) for c in self.cells])


def latest_forecast(s: Session, scope: str = "region") -> DemandForecastRow | None:
    return s.get(DemandForecastRow, scope)


def free_new_visit_days(s: Session, now: datetime, unit_ids: Sequence[str]) -> dict[str, list[date]]:
    """The Stockholm day of each free new-visit time (not held, not booked, not begun) per unit, earliest first.
    Two columns, not the times' rows: the runway of a unit with 500 free times read them whole on every view."""
    by_unit: dict[str, list[date]] = {u: [] for u in unit_ids}
    q = (select(Slot.unit_id, Slot.starts_at).where(col(Slot.unit_id).in_(unit_ids), col(Slot.visit_type) == "new_visit",
                                                    free_now(now)).order_by(col(Slot.starts_at)))
    for unit_id, starts_at in s.exec(q):
        by_unit[unit_id].append(starts_at.astimezone(STOCKHOLM).date())
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
