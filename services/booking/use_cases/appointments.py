"""An appointment booked (one live per child, published as one fact), released, cancelled or marked."""
from __future__ import annotations

import secrets
from datetime import datetime

from contracts.booking import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentBookedPayload,
    AppointmentCancelled,
    AppointmentChangePayload,
    AppointmentNoShow,
    InterpreterBooked,
    ReplacedAppointment,
)
from contracts.envelope import Event
from services.booking import store
from services.booking.domain import enforce
from services.booking.domain.appointments import (
    NO_DECISION,
    AppointmentStatus,
    BookedBy,
    ChangedBy,
    Outcome,
    ReplaceReason,
    already_booked,
    decision,
    status_after,
    video_link,
    why_not_cancel,
    why_not_mark,
)
from services.booking.domain.offers import wait_days
from services.booking.domain.reference import Reference
from services.booking.store import Appointment, BookingCase, Slot
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


def decided(case: BookingCase | None) -> BookingCase:
    """The case, refused (409 no_decision) unless booking knows its decided level."""
    if case is None:
        raise Refused(NO_DECISION)
    decision(case.level, case.decided_at)
    return case


def book_slot(uow: UnitOfWork, ref: Reference, case: BookingCase, slot: Slot, now: datetime,
              caused_by: Event | None, *, booked_by: BookedBy = "contact_centre", chosen: bool = False,
              replaces: Appointment | None = None, reason: ReplaceReason = "rebooked",
              interpreter: InterpreterBooked | None = None) -> Appointment:
    """Insert the appointment (the one-live-per-case index refuses a second) and publish it as one fact.

    With `replaces`, the old appointment is released in the same transaction and named in the same event,
    so the family hears once: the new time, and that the old one is gone."""
    unit = ref.unit(slot.unit_id)
    assert unit is not None
    d = decision(case.level, case.decided_at)
    appt = Appointment(appointment_id=new_id("A-"), case_id=case.case_id, slot_id=slot.slot_id, unit_id=unit.unit_id,
                       level=d.level, starts_at=slot.starts_at, wait_days=wait_days(d.decided_at, slot.starts_at),
                       booked_at=now, patient_chosen_wait=chosen,
                       rebooking_of=replaces.appointment_id if replaces else None,
                       interpreter=interpreter.model_dump() if interpreter else None)
    replaced = None
    if replaces is not None:
        old_unit = ref.unit(replaces.unit_id)
        replaced = ReplacedAppointment(appointment_id=replaces.appointment_id, unit_id=replaces.unit_id,
                                       unit_name=old_unit.name if old_unit else replaces.unit_id,
                                       starts_at=replaces.starts_at, reason=reason)
        release(uow, replaces, status="replaced", replaced_by=appt.appointment_id)
    if not store.insert_appointment(uow.session, appt):  # another transaction booked this child first
        raise Refused(already_booked(None))
    store.stop_waiting(uow.session, case.case_id)
    uow.publish(AppointmentBooked.new(
        case_id=case.case_id, occurred_at=now, caused_by=caused_by, payload=AppointmentBookedPayload(
            appointment_id=appt.appointment_id, unit_id=unit.unit_id, unit_name=unit.name, unit_address=unit.address,
            video_link=video_link(appt.appointment_id, slot.digital), unit_municipality=unit.municipality,
            level=d.level, visit_type=slot.visit_type, profession=slot.profession, starts_at=slot.starts_at,
            digital=slot.digital, decided_at=d.decided_at, wait_days=appt.wait_days, patient_chosen_wait=chosen,
            rebooking_of=appt.rebooking_of, replaces=replaced, booked_by=booked_by, interpreter=interpreter)))
    return appt


def release(uow: UnitOfWork, appt: Appointment, *, status: AppointmentStatus, replaced_by: str | None = None) -> None:
    """The appointment stops being live and its time goes back to the pool."""
    appt.status, appt.replaced_by = status, replaced_by
    uow.session.add(appt)
    store.free_slot(uow.session, appt.slot_id)
    uow.session.flush()  # the live row is gone before a new one for the case is inserted


def cancel(uow: UnitOfWork, appt: Appointment, now: datetime, *, by: ChangedBy, reason: str | None,
           caused_by: Event | None) -> None:
    enforce(why_not_cancel(appt))
    release(uow, appt, status="cancelled")
    uow.publish(AppointmentCancelled.new(case_id=appt.case_id, occurred_at=now, caused_by=caused_by,
                                         payload=AppointmentChangePayload(appointment_id=appt.appointment_id,
                                                                          unit_id=appt.unit_id, at=now, by=by,
                                                                          reason=reason)))


def mark(uow: UnitOfWork, appt: Appointment, outcome: Outcome, now: datetime) -> None:
    """The unit says whether the child came."""
    enforce(why_not_mark(appt, now))
    appt.status = status_after(outcome)
    uow.session.add(appt)
    cls = AppointmentAttended if outcome == "attended" else AppointmentNoShow
    uow.publish(cls.new(case_id=appt.case_id, occurred_at=now, payload=AppointmentChangePayload(
        appointment_id=appt.appointment_id, unit_id=appt.unit_id, at=now, by="unit", reason=None)))
