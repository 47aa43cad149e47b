"""Kafka consumers of the triage service: intake's cases tell triage who waits for an interview."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.envelope import Event
from contracts.intake import CASES_TOPIC
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.triage.store import TriageCase

# Cases intake already knows will be signposted out (18+, outside the county) do not wait for an interview.
_NOT_FOR_INTERVIEW = {"adult_care", "out_of_county"}


def remember_case(event: Event, uow: UnitOfWork) -> None:
    """Keeps what the norm tables need of the child and puts the case on the waiting list."""
    s = uow.session
    case = s.get(TriageCase, event.case_id) or TriageCase(case_id=event.case_id)
    p = event.payload
    if event.event_type == "ReferralReceived":
        case.patient_ref, case.age_years, case.sex = p.child.patient_ref, p.child.age_years, p.child.sex
        case.municipality, case.received_at = p.child.municipality, p.received_at
        case.correlation_id = str(event.correlation_id)
        if p.triage_hint in _NOT_FOR_INTERVIEW and case.status == "waiting":
            case.status = "closed"
    elif event.event_type == "InterviewScheduled":
        case.interview_scheduled_for = p.scheduled_for
    elif case.status in ("waiting", "interviewing"):  # Signposted or CaseClosed before an interview
        case.status = "closed"
    s.add(case)


def build_router(rt: ServiceRuntime) -> KafkaRouter:
    router = KafkaRouter()
    rt.consumers.subscribe(router, CASES_TOPIC, group="triage.cases",
                           handles={"ReferralReceived", "InterviewScheduled", "Signposted", "CaseClosed"},
                           description="Cases from intake: who waits for an interview, the child's age and sex.")(
        remember_case)
    return router
