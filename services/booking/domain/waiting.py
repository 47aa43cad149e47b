"""The waiting list: the units a case waits for, the evidence of the search, which waiting case a freed time suits."""
from __future__ import annotations

from collections.abc import Sequence

from services.booking.domain.offers import near_units, serves
from services.booking.domain.reference import Reference, Unit


def waited_units(ref: Reference, municipality: str, level: str | None, age: int) -> list[Unit]:
    """The units whose freed times may go to the case. Parent groups are county-wide courses, not a unit's
    times: no unit is waited for (and none is at fault)."""
    return [] if level == "parenting_group" else near_units(ref, municipality, level, age)


def evidence_units(ref: Reference, municipality: str, units: list[Unit]) -> list[Unit]:
    """The units the no-bookable-slots evidence names: those physically near the family (digital times were
    searched too), or all searched if none is near."""
    return [u for u in units if ref.nearness(municipality, u, False) <= 1] or units


def position(counted: int) -> int:
    """The case's place in the queue: the cases of its level with the same or an earlier clock start."""
    return max(1, counted)


def offered_to_waiting(visit_type: str) -> bool:
    """Only new-visit times go to the waiting list (the others belong to cases already in care)."""
    return visit_type == "new_visit"


def suits(unit: Unit, level: str | None, age: int) -> bool:
    """A freed time at `unit` is for a waiting case of this level and age."""
    return serves(unit, level, age)


def reaches(unit_id: str, digital: bool, waited_for: Sequence[str]) -> bool:
    """A time reaches the family if it is at a unit they wait for, or digital."""
    return unit_id in waited_for or digital


def listed_for(waited_for: Sequence[str], unit_id: str | None) -> bool:
    """A unit's waiting list holds the cases waiting for it; the county's list (no unit) holds them all."""
    return unit_id is None or unit_id in waited_for
