"""Parent groups: course kinds, seats, drop-outs and the parents' evaluation (taken once per seat)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Protocol

from services.booking.domain.reference import Reference, Unit
from services.chassis.refusal import Refusal

BookedFrom = Literal["contact_centre", "health_centre"]

UNKNOWN_GROUP = Refusal("group_id", "unknown_group", "Okänd grupp.", "Unknown group.", 404)
UNKNOWN_KIND = Refusal("course_kind", "unknown_kind", "Okänd kurstyp.", "Unknown course kind.")
ALREADY_SEATED = Refusal("case_id", "already_seated", "Familjen har redan plats i gruppen.", "Already has a seat.", 409)
GROUP_FULL = Refusal("group_id", "group_full", "Gruppen är full.", "The group is full.", 409)
NO_SEAT = Refusal("case_id", "no_seat", "Familjen har ingen plats i gruppen.", "No seat in the group.", 409)
ALREADY_EVALUATED = Refusal("case_id", "already_evaluated", "Familjen har redan svarat på utvärderingen.",
                            "The family has already answered the evaluation.", 409)


class Seat(Protocol):
    """A family's seat as the store keeps it."""

    @property
    def dropped_out_at(self) -> datetime | None: ...
    @property
    def evaluated_at(self) -> datetime | None: ...


def why_not_start(ref: Reference, course_kind: str) -> Refusal | None:
    return None if course_kind in ref.course_kinds else UNKNOWN_KIND


def group_id(starts_on: date, suffix: str) -> str:
    """Groups are named by their start day, so a list of them reads in order."""
    return f"G-{starts_on:%Y%m%d}-{suffix}"


def why_not_seat(seat: Seat | None) -> Refusal | None:
    """A family has one seat in a group (whether one is free is the store's conditional write: GROUP_FULL)."""
    return ALREADY_SEATED if seat is not None else None


def why_not_drop_out(seat: Seat | None) -> Refusal | None:
    return NO_SEAT if seat is None or seat.dropped_out_at is not None else None


def why_not_evaluate(seat: Seat | None) -> Refusal | None:
    if seat is None:
        return NO_SEAT
    return ALREADY_EVALUATED if seat.evaluated_at is not None else None


def location(group_id: str, digital: bool, unit: Unit | None) -> str | None:
    """Where the parents meet: the video link of a digital group, else the unit's address."""
    if digital:
        return f"https://video.regionvasterbotten.example/g/{group_id}"
    return unit.address if unit else None
