"""What booking learns of a case from other services: the child and the clock, then the decided level."""
from __future__ import annotations

from datetime import datetime

from contracts.envelope import Event
from contracts.intake import CaseLinked, ReferralReceived
from contracts.triage import CareLevelDecided
from services.booking.domain.reference import Reference
from services.booking.store import BookingCase
from services.booking.use_cases.placement import change_level, place
from services.chassis.db import UnitOfWork


def _case_id(event: Event) -> str:
    """Intake's and triage's events are always about a case (only telephony events may lack one)."""
    if event.case_id is None:
        raise ValueError(f"{event.event_type} {event.event_id} names no case")
    return event.case_id


def remember_case(event: ReferralReceived, uow: UnitOfWork) -> None:
    """Keep the child's pseudonymous facts and the clock start for offers and waiting lists (once)."""
    case_id = _case_id(event)
    if uow.session.get(BookingCase, case_id) is None:
        child = event.payload.child
        told = event.payload.language
        uow.session.add(BookingCase(case_id=case_id, patient_ref=child.patient_ref, age_years=child.age_years,
                                    sex=child.sex, municipality=child.municipality,
                                    clock_start=event.payload.clock_start, language=told.language if told else None,
                                    interpreter_needed=told.interpreter_needed if told else False))


def link_case(event: CaseLinked, uow: UnitOfWork) -> None:
    """A contact linked to the case: the earliest clock start wins; a language it told is the newest word."""
    case = uow.session.get(BookingCase, event.case_id)
    if case is None:
        return
    if event.payload.effective_clock_start < case.clock_start:
        case.clock_start = event.payload.effective_clock_start
    told = event.payload.language
    if told is not None:
        case.language, case.interpreter_needed = told.language, told.interpreter_needed
    uow.session.add(case)


def decide_level(event: CareLevelDecided, uow: UnitOfWork, ref: Reference, now: datetime) -> None:
    """A decided level: the waiting list if nothing is bookable within the promise; a change re-books."""
    case = uow.session.get(BookingCase, event.case_id)
    if case is None:
        raise RuntimeError("decision before the referral reached booking")  # retried; ordering across topics
    p = event.payload
    changed = case.level is not None and case.level != p.level
    case.level, case.decided_at = p.level, p.decided_at
    uow.session.add(case)
    if changed:
        change_level(uow, ref, case, now, event)
    else:
        place(uow, ref, case, now, event)
