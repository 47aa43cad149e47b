"""Kafka consumers of the booking service: learn the child and the clock; act on care-level decisions."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.intake import CASES_TOPIC, CaseLinked, ReferralReceived
from contracts.triage import ASSESSMENTS_TOPIC, CareLevelDecided
from services.booking import service
from services.booking.reference import Reference
from services.booking.store import BookingCase
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime


def build_router(rt: ServiceRuntime, ref: Reference) -> KafkaRouter:
    router = KafkaRouter()
    cases = rt.consumers.group(router, CASES_TOPIC, name="booking.cases",
                               description="The child's pseudonymous facts and the clock start, for offers and "
                                           "waiting lists.")

    @cases.on(ReferralReceived)
    def remember_case(event: ReferralReceived, uow: UnitOfWork) -> None:
        """Keeps the child's pseudonymous facts and the clock start for offers and waiting lists."""
        if uow.session.get(BookingCase, event.case_id) is None:
            child = event.payload.child
            uow.session.add(BookingCase(case_id=event.case_id, patient_ref=child.patient_ref,
                                        age_years=child.age_years, sex=child.sex, municipality=child.municipality,
                                        clock_start=event.payload.clock_start))

    @cases.on(CaseLinked)
    def earlier_clock(event: CaseLinked, uow: UnitOfWork) -> None:
        """A contact linked to the case: the earliest clock start wins."""
        case = uow.session.get(BookingCase, event.case_id)
        if case is not None and event.payload.effective_clock_start < case.clock_start:
            case.clock_start = event.payload.effective_clock_start
            uow.session.add(case)

    decisions = rt.consumers.group(router, ASSESSMENTS_TOPIC, name="booking.decisions",
                                   description="Decided care levels: offers, the waiting list, re-booking on a "
                                               "change of level.")

    @decisions.on(CareLevelDecided)
    def on_decision(event: CareLevelDecided, uow: UnitOfWork) -> None:
        """A decided level: the waiting list if nothing is bookable within the promise; a change re-books."""
        case = uow.session.get(BookingCase, event.case_id)
        if case is None:
            raise RuntimeError("decision before the referral reached booking")  # retried; ordering across topics
        p = event.payload
        changed = case.level is not None and case.level != p.level
        case.level, case.decided_at = p.level, p.decided_at
        uow.session.add(case)
        now = rt.clock.now()
        if changed:
            service.change_level(uow, ref, case, now, event)
        else:
            service.place(uow, ref, case, now, event)

    return router
