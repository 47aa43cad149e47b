"""What staff change on a booked appointment: cancel it or move it to a held time; the freed time goes to the
waiting list at once."""
from __future__ import annotations

from datetime import datetime

from services.booking.domain.appointments import UNKNOWN_APPOINTMENT
from services.booking.domain.reference import Reference
from services.booking.forms import CancelIn, RebookIn
from services.booking.store import Appointment, BookingCase, Slot
from services.booking.use_cases.appointments import cancel
from services.booking.use_cases.holds import confirm
from services.booking.use_cases.placement import offer_to_waiting
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def known_appointment(uow: UnitOfWork, appointment_id: str) -> Appointment:
    appt = uow.session.get(Appointment, appointment_id)
    if appt is None:
        raise Refused(UNKNOWN_APPOINTMENT)
    return appt


def _offer_freed(uow: UnitOfWork, ref: Reference, slot_id: str, now: datetime) -> None:
    freed = uow.session.get(Slot, slot_id)
    if freed is not None:  # the old time may be what a waiting child needs
        offer_to_waiting(uow, ref, freed, now)


def cancel_visit(uow: UnitOfWork, ref: Reference, appt: Appointment, body: CancelIn, now: datetime) -> None:
    """The family or the unit cancels; the time may go to a waiting child."""
    cancel(uow, appt, now, by=body.by, reason=body.reason, caused_by=None)
    slot = uow.session.get(Slot, appt.slot_id)
    uow.session.flush()
    if slot is not None:
        offer_to_waiting(uow, ref, slot, now)


def rebook(uow: UnitOfWork, ref: Reference, appointment_id: str, body: RebookIn,
           now: datetime) -> tuple[Appointment, BookingCase]:
    """Move a booked appointment to a held new time: one transaction, one fact, one message to the family."""
    old = known_appointment(uow, appointment_id)
    appt, case = confirm(uow, ref, body.hold_token, now, body.patient_chosen_wait, slot_id=body.slot_id,
                         rebooking_of=appointment_id)
    _offer_freed(uow, ref, old.slot_id, now)
    return appt, case
