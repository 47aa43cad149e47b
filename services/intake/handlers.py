"""Kafka consumers of the intake service: decode -> domain -> store (+ outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.envelope import Event
from contracts.triage import ASSESSMENTS_TOPIC
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.intake.store import CaseRow


def build_router(rt: ServiceRuntime) -> KafkaRouter:
    router = KafkaRouter()

    @rt.consumers.subscribe(router, ASSESSMENTS_TOPIC, group="intake.assessments",
                            handles={"InterviewAssessmentRecorded", "CareLevelDecided"})
    def follow_triage(event: Event, uow: UnitOfWork) -> None:
        """A licensed interview assessed the case: it leaves intake's queue of cases awaiting assessment.
        A care level was decided: the case was passed on (a school sees that status, nothing more)."""
        case = uow.session.get(CaseRow, event.case_id)
        if case is None:
            return
        if event.event_type == "InterviewAssessmentRecorded" and case.assessed_at is None:
            case.assessed_at = event.payload.assessed_at  # type: ignore[attr-defined]
        elif event.event_type == "CareLevelDecided" and case.passed_on_at is None:
            case.passed_on_at = event.payload.decided_at  # type: ignore[attr-defined]
        uow.session.add(case)

    return router
