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
                            handles={"InterviewAssessmentRecorded"})
    def take_off_work_queue(event: Event, uow: UnitOfWork) -> None:
        """A licensed interview assessed the case: it leaves intake's queue of cases awaiting assessment."""
        case = uow.session.get(CaseRow, event.case_id)
        if case is not None and case.assessed_at is None:
            case.assessed_at = event.payload.assessed_at  # type: ignore[attr-defined]
            uow.session.add(case)

    return router
