"""An appointment's life: held, booked (one live per child), then cancelled, replaced, attended or no-show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from contracts.common import CareLevel
from services.booking.domain.offers import unit_level
from services.booking.domain.reference import Unit
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused

SlotState = Literal["free", "held", "booked"]
AppointmentStatus = Literal["booked", "cancelled", "replaced", "attended", "no_show"]
Outcome = Literal["attended", "no-show"]  # as the routes name them
# as contracts.booking names who changed or booked an appointment, and why one was replaced
ChangedBy = Literal["family", "unit", "contact_centre", "system"]
BookedBy = Literal["contact_centre", "health_centre", "unit"]
ReplaceReason = Literal["rebooked", "care_level_changed"]

NO_DECISION = Refusal("case_id", "no_decision", "Ingen vårdnivå är beslutad för ärendet ännu.",
                      "No care level has been decided for the case yet.", 409)
UNKNOWN_SLOT = Refusal("slot_id", "unknown_slot", "Okänd tid.", "Unknown time.", 404)
SLOT_TAKEN = Refusal("slot_id", "slot_taken", "Tiden är redan hållen eller bokad av någon annan.",
                     "The time is already held or booked by someone else.", 409)
UNKNOWN_APPOINTMENT = Refusal("appointment_id", "unknown", "Okänt besök.", "Unknown appointment.", 404)


@dataclass(frozen=True)
class Decision:
    """The decided care level of a case and when it was decided (the wait runs from then)."""

    level: CareLevel
    decided_at: datetime


def decision(level: CareLevel | None, decided_at: datetime | None) -> Decision:
    """A case is booked only after its level is decided."""
    if level is None or decided_at is None:
        raise Refused(NO_DECISION)
    return Decision(level, decided_at)


def looks_free(state: SlotState, hold_expires_at: datetime | None, starts_at: datetime, now: datetime) -> bool:
    """A time that can be held now: free, or held with an expired hold, and not yet begun."""
    return starts_at > now and (state == "free" or (
        state == "held" and hold_expires_at is not None and hold_expires_at <= now))


def why_not_hold(unit: Unit | None, age: int, level: CareLevel | None, free: bool) -> Refusal | None:
    """Whether a time at `unit` may be held for a child of `age` decided to `level` (`free`: as last read)."""
    if unit is None:
        return UNKNOWN_SLOT
    if not unit.takes_age(age):
        return Refusal("slot_id", "age_not_taken", f"{unit.name} tar inte emot barn i den åldern.",
                       f"{unit.name} does not see children of that age.")
    if unit.level != unit_level(level):
        return Refusal("slot_id", "wrong_level", "Tiden hör till en annan vårdnivå än den beslutade.",
                       "The time belongs to another level than the decided one.")
    return None if free else SLOT_TAKEN


def why_hold_books_nothing(held_slot_id: str | None, hold_expires_at: datetime | None, shown_slot_id: str | None,
                           now: datetime) -> Refusal:
    """Why a hold token booked nothing: the time it names (if any) as read after the write changed nothing."""
    if held_slot_id is None:
        return Refusal("hold_token", "unknown_hold", "Okänd eller redan använd hållning.", "Unknown or used hold.", 404)
    if shown_slot_id is not None and held_slot_id != shown_slot_id:  # another caller's token must not book this one
        return Refusal("hold_token", "wrong_hold", "Hållningen gäller en annan tid.", "The hold is for another time.",
                       409)
    if hold_expires_at is None or hold_expires_at <= now:
        return Refusal("hold_token", "hold_expired", "Hållningen har gått ut; tiden är tillbaka bland lediga.",
                       "The hold expired; the time is back in the pool.", 409)
    return Refusal("hold_token", "slot_taken", "Tiden hann bokas av någon annan.", "The time was taken.", 409)


class Appointment(Protocol):
    """An appointment as the store keeps it."""

    @property
    def appointment_id(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def status(self) -> AppointmentStatus: ...
    @property
    def replaced_by(self) -> str | None: ...


def already_booked(live: Appointment | None) -> Refusal:
    """A child has one live appointment; the refusal names it so the caller can move it instead."""
    if live is None:
        return Refusal("case_id", "already_booked", "Barnet har redan en bokad tid.",
                       "The child already has a booked time.", 409)
    when = live.starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    return Refusal("case_id", "already_booked",
                   f"Barnet har redan en bokad tid {when} ({live.unit_id}, {live.appointment_id}); "
                   "flytta den med ombokning i stället.",
                   f"The child already has a booked time {when} ({live.unit_id}, {live.appointment_id}); "
                   "move it with a re-booking instead.", 409)


def why_not_book(live: Appointment | None, rebooking_of: str | None) -> Refusal | None:
    """A new booking needs no live appointment; a re-booking must move exactly the live one."""
    if rebooking_of is None:
        return None if live is None else already_booked(live)
    if live is None or live.appointment_id != rebooking_of:
        return Refusal("appointment_id", "not_live", "Besöket som ska flyttas är inte barnets bokade tid.",
                       "The appointment to move is not the child's booked time.", 409)
    return None


def why_not_cancel(appt: Appointment) -> Refusal | None:
    if appt.status == "cancelled":
        return Refusal("appointment_id", "already_cancelled", "Besöket är redan avbokat.",
                       "The appointment is already cancelled.", 409)
    if appt.status == "replaced":
        return Refusal("appointment_id", "replaced", f"Besöket är flyttat till en ny tid ({appt.replaced_by}).",
                       f"The appointment was moved to a new time ({appt.replaced_by}).", 409)
    if appt.status != "booked":
        return Refusal("appointment_id", "not_booked", "Besöket är redan avslutat.", "The visit is already done.", 409)
    return None


def why_not_mark(appt: Appointment, now: datetime) -> Refusal | None:
    """Attendance is marked on a booked visit once its time has come."""
    if appt.status != "booked":
        return Refusal("appointment_id", "not_booked", "Besöket är inte bokat.", "The appointment is not booked.", 409)
    if appt.starts_at > now:
        return Refusal("appointment_id", "not_yet", "Besöket har inte ägt rum än.", "The visit has not happened yet.")
    return None


def status_after(outcome: Outcome) -> AppointmentStatus:
    return "attended" if outcome == "attended" else "no_show"


def video_link(appointment_id: str, digital: bool) -> str | None:
    return f"https://video.regionvasterbotten.example/{appointment_id}" if digital else None
