"""Use cases fed by intake's case events: who waits for an interview, when it is booked, when it no longer waits."""
from __future__ import annotations

from typing import Any

from contracts.envelope import Event
from contracts.intake import CaseClosed, CaseLinked, InterviewScheduled, ReferralReceived, Signposted
from contracts.triage import RiskEscalated, RiskEscalatedPayload
from services.chassis.db import UnitOfWork
from services.chassis.decode import PermanentError
from services.triage.store import TriageCase, case_or_new, journey_of

SELF_REFERRAL = "self-referral"  # who raised a risk the sender's own answers reported

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
    if p.risk_signals:
        escalate_reported(event, case, p.risk_signals, p.external_ref, uow)


def linked(event: CaseLinked, uow: UnitOfWork) -> None:
    """A later contact on an open case: its reported risk (a self-referral's answers) escalates like any other."""
    p = event.payload
    if p.risk_signals:
        escalate_reported(event, _case(uow, event), p.risk_signals, p.external_ref, uow)


def escalate_reported(event: Event[Any], case: TriageCase, signals: list[str], form_ref: str | None,
                      uow: UnitOfWork) -> None:
    """Acute-risk answers a sender gave on 'Kontakta oss' raise the escalation an interview's risk answer raises:
    the case goes first on the waiting list and the clinician on duty is alerted (by notifications)."""
    case.risk_severity = "acute"
    uow.session.add(case)
    uow.publish(RiskEscalated.new(case_id=case.case_id, occurred_at=event.occurred_at, recorded_at=event.recorded_at,
                                  correlation_id=journey_of(case), caused_by=event, payload=RiskEscalatedPayload(
        interview_id=form_ref or SELF_REFERRAL, items=list(signals), severity="acute", raised_at=event.recorded_at,
        by_staff_ref=SELF_REFERRAL)))


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
