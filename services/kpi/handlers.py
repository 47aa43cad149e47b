"""Kafka consumers of the kpi service: decode -> fold facts -> store (+ deviation tags via the outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.booking import APPOINTMENTS_TOPIC
from contracts.envelope import Event
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC
from contracts.triage import ASSESSMENTS_TOPIC
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.facts import USED_EVENT_TYPES, facts_of
from services.kpi.domain.views import CaseView
from services.kpi.projection import apply_facts, count
from services.kpi.tagging import tag_new_deviations

INPUT_TOPICS = (TELEPHONY_TOPIC, CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC)


def project(rt: ServiceRuntime, rules: RuleSet, event: Event, uow: UnitOfWork) -> None:
    """Fold one event into its case's (or call's) facts; tag the deviations that now show."""
    extracted = facts_of(event.model_dump(mode="json"))
    if extracted is None:
        return
    bucket, key, facts = extracted
    now = rt.clock.now()
    before, after = apply_facts(uow.session, bucket, key, facts, now)
    if before and before.get("seen", "") > facts["seen"]:
        count(uow.session, "out_of_order")  # merged all the same: the fold does not care about order
    if bucket == "case" and after.get("ref") is None:
        count(uow.session, "unknown_case")  # kept; counts once its referral arrives
        return
    if bucket == "case":
        tag_new_deviations(uow, CaseView(key, after), rules, local_date(now), now)


def build_router(rt: ServiceRuntime, rules: RuleSet) -> KafkaRouter:
    router = KafkaRouter()

    @rt.consumers.subscribe_batch(router, *INPUT_TOPICS, group="kpi.projections", handles=USED_EVENT_TYPES,
                                  description="Projections of every accessibility figure, live; deviation tags as "
                                              "they appear.")
    def project_events(events: list[Event], uow: UnitOfWork) -> None:
        """Folds a fetched batch of events into the projections, in one transaction."""
        for event in events:
            project(rt, rules, event, uow)

    return router
