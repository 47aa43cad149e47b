"""Use cases fed by intake's case events: who waits for an interview, when it is booked, when it no longer waits."""
from __future__ import annotations

from typing import Any

from contracts.envelope import Event
from contracts.intake import CaseClosed, InterviewScheduled, ReferralReceived, Signposted
from services.chassis.db import UnitOfWork
from services.chassis.decode import PermanentError
from services.triage.store import TriageCase, case_or_new

# Cases intake already knows will be signposted out (18+, outside the county) do not wait for an interview.
_NOT_FOR_INTERVIEW = {"adult_care", "out_of_county"}


def _case(uow: UnitOfWork, event: Event[Any]) -> TriageCase:
    if event.case_id is None:  # intake keys every case event by its case: one without is foreign
        raise PermanentError(f"{event.event_type} {event.event_id} has no case id")
    return case_or_new(uow.session, event.case_id)


def remember_case(event: ReferralReceived, uow: UnitOfWork) -> None:
    """Keeps what the norm tables need of the child and puts the case on the waiting list."""
    case, p = _case(uow, event), event.payload
    case.patient_ref, case.age_years, case.sex = p.child.patient_ref, p.child.age_years, p.child.sex
    case.municipality, case.received_at = p.child.municipality, p.received_at
    case.correlation_id = str(event.correlation_id)
    if p.triage_hint in _NOT_FOR_INTERVIEW and case.status == "waiting":
        case.status = "closed"
    uow.session.add(case)


def schedule_interview(event: InterviewScheduled, uow: UnitOfWork) -> None:
    """An interview time was set for the case."""
    case = _case(uow, event)
    case.interview_scheduled_for = event.payload.scheduled_for
    uow.session.add(case)


def stop_waiting(event: Signposted | CaseClosed, uow: UnitOfWork) -> None:
    """Signposted or closed before an interview: the case no longer waits."""
    case = _case(uow, event)
    if case.status in ("waiting", "interviewing"):
        case.status = "closed"
    uow.session.add(case)
