"""Which times a case is offered: the units serving its level, their ranking, the promise and the wait."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeGuard

from contracts.booking import VisitType
from services.booking.domain.reference import Profession, PromiseLevel, Reference, Unit, UnitLevel
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal

BookableLevel = Literal["primary_care", "bup", "urgent"]
BOOKABLE: frozenset[str] = frozenset(("primary_care", "bup", "urgent"))
NOT_BOOKABLE = Refusal("case_id", "not_bookable", "Vårdnivån bokas inte här.", "The care level is not booked here.",
                       409)


def is_bookable(level: str | None) -> TypeGuard[BookableLevel]:
    """Levels booked into a unit's times during the call (parent groups and signposting are not)."""
    return level in BOOKABLE


def why_not_offer(level: str | None) -> Refusal | None:
    return None if is_bookable(level) else NOT_BOOKABLE


def unit_level(care_level: str | None) -> UnitLevel:
    return "specialist" if care_level in ("bup", "urgent") else "first_line"


def wait_days(decided_at: datetime, starts_at: datetime) -> int:
    """Calendar days in Swedish time from the decision to the visit (the decision day is day 0)."""
    return max(0, (starts_at.astimezone(STOCKHOLM).date() - decided_at.astimezone(STOCKHOLM).date()).days)


def promise_deadline(ref: Reference, level: PromiseLevel, decided_at: datetime) -> datetime:
    """The end of the last day that keeps the promise."""
    last_day = decided_at.astimezone(STOCKHOLM).date() + timedelta(days=ref.promise_days[level])
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), STOCKHOLM)


class OpenTime(Protocol):
    """A free time as the store keeps it."""

    @property
    def slot_id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def digital(self) -> bool: ...
    @property
    def profession(self) -> Profession: ...
    @property
    def visit_type(self) -> VisitType: ...


@dataclass(frozen=True)
class Candidate:
    slot_id: str
    unit: Unit
    starts_at: datetime
    digital: bool
    profession: Profession
    visit_type: VisitType
    nearness: int


def serves(unit: Unit, level: str | None, age: int) -> bool:
    return unit.level == unit_level(level) and unit.takes_age(age)


def serving_units(ref: Reference, level: str | None, age: int) -> dict[str, Unit]:
    """The units whose times a case of this level and age may be offered, by id."""
    return {u.unit_id: u for u in ref.units if serves(u, level, age)}


def candidates(ref: Reference, municipality: str, units: dict[str, Unit], times: Iterable[OpenTime]) -> list[Candidate]:
    """The free times at `units` as offers, each with its nearness to the family."""
    return [Candidate(t.slot_id, units[t.unit_id], t.starts_at, t.digital, t.profession, t.visit_type,
                      ref.nearness(municipality, units[t.unit_id], t.digital))
            for t in times if t.unit_id in units]


def rank(level: str | None, cands: list[Candidate]) -> list[Candidate]:
    """Urgent: earliest first wherever it is. Otherwise nearest first (digital counts as near), then earliest."""
    if level == "urgent":
        return sorted(cands, key=lambda c: (c.starts_at, c.nearness))
    return sorted(cands, key=lambda c: (c.nearness, c.starts_at))


def near_units(ref: Reference, municipality: str, level: str | None, age: int) -> list[Unit]:
    """Units searched for the no-bookable-slots routine: specialist level is regional (all BUP receptions);
    first line is the family's municipality, its neighbours and units offering digital visits."""
    units = [u for u in ref.units if serves(u, level, age)]
    if unit_level(level) == "specialist":
        return units
    return [u for u in units if u.digital_visits or ref.nearness(municipality, u, False) <= 1]


def within_promise(ref: Reference, level: PromiseLevel, decided_at: datetime, municipality: str, age: int,
                   cands: list[Candidate]) -> list[Candidate]:
    """The offers that keep the promise: before its deadline, at a near unit or digital."""
    deadline = promise_deadline(ref, level, decided_at)
    near = {u.unit_id for u in near_units(ref, municipality, level, age)}
    return [c for c in cands if c.starts_at < deadline and (c.unit.unit_id in near or c.digital)]
