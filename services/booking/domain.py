"""Pure booking decisions: which units serve a level, how offers rank, what a wait counts as."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.booking.reference import Reference, Unit
from services.chassis.clock import STOCKHOLM

BOOKABLE = {"primary_care", "bup", "urgent"}


def unit_level(care_level: str) -> str:
    return "specialist" if care_level in ("bup", "urgent") else "first_line"


def wait_days(decided_at: datetime, starts_at: datetime) -> int:
    """Calendar days in Swedish time from the decision to the visit (the decision day is day 0)."""
    return max(0, (starts_at.astimezone(STOCKHOLM).date() - decided_at.astimezone(STOCKHOLM).date()).days)


def promise_deadline(ref: Reference, level: str, decided_at: datetime) -> datetime:
    """The end of the last day that keeps the promise."""
    last_day = decided_at.astimezone(STOCKHOLM).date() + timedelta(days=ref.promise_days[level])  # type: ignore[index]
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), STOCKHOLM)


@dataclass(frozen=True)
class Candidate:
    slot_id: str
    unit: Unit
    starts_at: datetime
    digital: bool
    profession: str
    visit_type: str
    nearness: int


def rank(ref: Reference, municipality: str, level: str, candidates: list[Candidate]) -> list[Candidate]:
    """Urgent: earliest first wherever it is. Otherwise nearest first (digital counts as near), then earliest."""
    if level == "urgent":
        return sorted(candidates, key=lambda c: (c.starts_at, c.nearness))
    return sorted(candidates, key=lambda c: (c.nearness, c.starts_at))


def serves(unit: Unit, level: str, age: int) -> bool:
    return unit.level == unit_level(level) and unit.takes_age(age)


def near_units(ref: Reference, municipality: str, level: str, age: int) -> list[Unit]:
    """Units searched for the no-bookable-slots routine: specialist level is regional (all BUP receptions);
    first line is the family's municipality, its neighbours and units offering digital visits."""
    units = [u for u in ref.units if serves(u, level, age)]
    if unit_level(level) == "specialist":
        return units
    return [u for u in units if u.digital_visits or ref.nearness(municipality, u, False) <= 1]
