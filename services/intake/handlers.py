"""Kafka consumers of the intake service: decode -> domain -> store (+ outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.triage import ASSESSMENTS_TOPIC, CareLevelDecided, InterviewAssessmentRecorded
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.intake.store import CaseRow


def build_router(rt: ServiceRuntime) -> KafkaRouter:
    router = KafkaRouter()
    assessments = rt.consumers.group(router, ASSESSMENTS_TOPIC, name="intake.assessments",
                                     description="Triage's assessments and decisions: the case leaves intake's "
                                                 "queue, and a school sees that it was passed on.")

    @assessments.on(InterviewAssessmentRecorded)
    def assessed(event: InterviewAssessmentRecorded, uow: UnitOfWork) -> None:
        """A licensed interview assessed the case: it leaves intake's queue of cases awaiting assessment."""
        case = uow.session.get(CaseRow, event.case_id)
        if case is not None and case.assessed_at is None:
            case.assessed_at = event.payload.assessed_at
            uow.session.add(case)

    @assessments.on(CareLevelDecided)
    def passed_on(event: CareLevelDecided, uow: UnitOfWork) -> None:
        """A care level was decided: the case was passed on (a school sees that status, nothing more)."""
        case = uow.session.get(CaseRow, event.case_id)
        if case is not None and case.passed_on_at is None:
            case.passed_on_at = event.payload.decided_at
            uow.session.add(case)

    return router
