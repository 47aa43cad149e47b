"""Kafka consumers of the booking service: learn the child and the clock; act on care-level decisions."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.envelope import Event
from contracts.intake import CASES_TOPIC
from contracts.triage import ASSESSMENTS_TOPIC
from services.booking import service
from services.booking.reference import Reference
from services.booking.store import BookingCase
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime


def build_router(rt: ServiceRuntime, ref: Reference) -> KafkaRouter:
    router = KafkaRouter()

    @rt.consumers.subscribe(router, CASES_TOPIC, group="booking.cases", handles={"ReferralReceived", "CaseLinked"})
    def remember_case(event: Event, uow: UnitOfWork) -> None:
        """Keeps the child's pseudonymous facts and the clock start (earliest wins) for offers and waiting lists."""
        p = event.payload
        case = uow.session.get(BookingCase, event.case_id)
        if event.event_type == "ReferralReceived":
            if case is None:
                uow.session.add(BookingCase(case_id=event.case_id, patient_ref=p.child.patient_ref,  # type: ignore[attr-defined]
                                            age_years=p.child.age_years, sex=p.child.sex,  # type: ignore[attr-defined]
                                            municipality=p.child.municipality, clock_start=p.clock_start))  # type: ignore[attr-defined]
        elif case is not None and p.effective_clock_start < case.clock_start:  # type: ignore[attr-defined]
            case.clock_start = p.effective_clock_start  # type: ignore[attr-defined]
            uow.session.add(case)

    @rt.consumers.subscribe(router, ASSESSMENTS_TOPIC, group="booking.decisions", handles={"CareLevelDecided"})
    def on_decision(event: Event, uow: UnitOfWork) -> None:
        """A decided level: the waiting list if nothing is bookable within the promise; a change re-books."""
        case = uow.session.get(BookingCase, event.case_id)
        if case is None:
            raise RuntimeError("decision before the referral reached booking")  # retried; ordering across topics
        p = event.payload
        changed = case.level is not None and case.level != p.level  # type: ignore[attr-defined]
        case.level, case.decided_at = p.level, p.decided_at  # type: ignore[attr-defined]
        uow.session.add(case)
        now = rt.clock.now()
        if changed:
            service.change_level(uow, ref, case, now, event)
        else:
            service.place(uow, ref, case, now, event)

    return router
