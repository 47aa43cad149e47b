"""An interpreter with the visit: booked at the agency as the held time is booked; when the agency has none, the
time is given back, staff are told why, and the fact is published (the figures count times not offered)."""
from __future__ import annotations

from datetime import datetime

from contracts.booking import InterpreterBooked, InterpreterUnavailable, InterpreterUnavailablePayload
from services.booking import store
from services.booking.domain.interpreting import (
    AGENCY_AWAY,
    NO_INTERPRETER,
    AgencyUnreachable,
    InterpreterRequest,
    InterpretingAgency,
    mode_for,
    needs_interpreter,
)
from services.booking.store import BookingCase, Slot
from services.chassis.db import Database
from services.chassis.refusal import Refused


def book_for_hold(db: Database, agency: InterpretingAgency, token: str, now: datetime) -> InterpreterBooked | None:
    """Before the held time is booked: an interpreter for it when the family needs one (None when not needed, or
    when the hold is unknown: the booking then refuses with its own reason). The agency is asked outside any
    transaction; a retry with the same hold gets the same booking (the hold token is the idempotency key)."""
    with db.uow() as uow:
        slot = store.slot_by_hold(uow.session, token)
        case = uow.session.get(BookingCase, slot.hold_case_id) if slot and slot.hold_case_id else None
        language = needs_interpreter(case.language, case.interpreter_needed) if case else None
        if slot is None or case is None or language is None:
            return None
        request = InterpreterRequest(language, slot.starts_at, slot.ends_at, slot.unit_id, mode_for(slot.digital),
                                     token)
    try:
        booking_id = agency.book(request)
    except AgencyUnreachable:
        raise Refused(AGENCY_AWAY) from None
    if booking_id is None:
        _not_available(db, case, slot, token, language, now)
        raise Refused(NO_INTERPRETER)
    return InterpreterBooked(language=language, mode=request.mode, agency_ref=booking_id)


def _not_available(db: Database, case: BookingCase, slot: Slot, token: str, language: str, now: datetime) -> None:
    """The time goes back to the pool and the fact is published, in one transaction."""
    with db.uow() as uow:
        store.give_up_hold(uow.session, token)
        level = case.level or "primary_care"
        uow.publish(InterpreterUnavailable.new(case_id=case.case_id, occurred_at=now, payload=(
            InterpreterUnavailablePayload(language=language, unit_id=slot.unit_id, level=level,
                                          visit_type=slot.visit_type, starts_at=slot.starts_at, at=now))))
        uow.commit()


def call_off(agency: InterpretingAgency, interpreter: dict[str, str] | InterpreterBooked | None) -> None:
    """The visit is not happening (the booking failed after the agency said yes, or it was cancelled): tell the
    agency, best effort."""
    if interpreter is None:
        return
    ref = interpreter.agency_ref if isinstance(interpreter, InterpreterBooked) else interpreter.get("agency_ref")
    if ref:
        agency.cancel(ref)
