"""Kafka consumers of the triage service: intake's cases tell triage who waits for an interview."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.intake import CASES_TOPIC, CaseClosed, InterviewScheduled, ReferralReceived, Signposted
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.triage.store import TriageCase

# Cases intake already knows will be signposted out (18+, outside the county) do not wait for an interview.
_NOT_FOR_INTERVIEW = {"adult_care", "out_of_county"}


def _case(uow: UnitOfWork, case_id: str | None) -> TriageCase:
    return uow.session.get(TriageCase, case_id) or TriageCase(case_id=case_id)


def remember_case(event: ReferralReceived, uow: UnitOfWork) -> None:
    """Keeps what the norm tables need of the child and puts the case on the waiting list."""
    case, p = _case(uow, event.case_id), event.payload
    case.patient_ref, case.age_years, case.sex = p.child.patient_ref, p.child.age_years, p.child.sex
    case.municipality, case.received_at = p.child.municipality, p.received_at
    case.correlation_id = str(event.correlation_id)
    if p.triage_hint in _NOT_FOR_INTERVIEW and case.status == "waiting":
        case.status = "closed"
    uow.session.add(case)


def interview_scheduled(event: InterviewScheduled, uow: UnitOfWork) -> None:
    """An interview time was set for the case."""
    case = _case(uow, event.case_id)
    case.interview_scheduled_for = event.payload.scheduled_for
    uow.session.add(case)


def closed_before_interview(event: Signposted | CaseClosed, uow: UnitOfWork) -> None:
    """Signposted or closed before an interview: the case no longer waits."""
    case = _case(uow, event.case_id)
    if case.status in ("waiting", "interviewing"):
        case.status = "closed"
    uow.session.add(case)


def build_router(rt: ServiceRuntime) -> KafkaRouter:
    router = KafkaRouter()
    cases = rt.consumers.group(router, CASES_TOPIC, name="triage.cases",
                               description="Cases from intake: who waits for an interview, the child's age and sex.")
    cases.on(ReferralReceived)(remember_case)
    cases.on(InterviewScheduled)(interview_scheduled)
    cases.on(Signposted)(closed_before_interview)
    cases.on(CaseClosed)(closed_before_interview)
    return router
