"""Kafka consumers of the kpi service: decode -> fold facts -> store (+ deviation tags via the outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.booking import APPOINTMENTS_TOPIC
from contracts.envelope import Event
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC
from contracts.triage import ASSESSMENTS_TOPIC
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.facts import USED_EVENT_TYPES
from services.kpi.live import project_batch

INPUT_TOPICS = (TELEPHONY_TOPIC, CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC)


def build_router(rt: ServiceRuntime, rules: RuleSet) -> KafkaRouter:
    router = KafkaRouter()

    @rt.consumers.subscribe_batch(router, *INPUT_TOPICS, group="kpi.projections", handles=USED_EVENT_TYPES,
                                  description="Projections of every accessibility figure, live; deviation tags as "
                                              "they appear.")
    def project_events(events: list[Event], uow: UnitOfWork) -> None:
        """Folds a fetched batch of events into the projections in one transaction (services/kpi/live.py)."""
        project_batch(uow, rules, events, rt.clock.now())

    return router
