"""Kafka consumers of the kpi service: every fetched batch of the events the figures use, folded in one
transaction (the projections, and the deviation tags they show, via the outbox)."""
from __future__ import annotations

from typing import Any

from contracts.booking import APPOINTMENTS_TOPIC
from contracts.envelope import Event
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC
from contracts.notifications import DELIVERIES_TOPIC
from contracts.triage import ASSESSMENTS_TOPIC
from services.chassis.db import UnitOfWork
from services.chassis.subscriptions import Subscription
from services.kpi.deps import Deps
from services.kpi.domain.facts import USED_EVENT_TYPES
from services.kpi.domain.runway_alerts import RUNWAY_EVENT_TYPES
from services.kpi.use_cases import project_batch

INPUT_TOPICS = (TELEPHONY_TOPIC, CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC, DELIVERIES_TOPIC)
INPUT_EVENT_TYPES = USED_EVENT_TYPES | RUNWAY_EVENT_TYPES  # case and call facts, and units' runway alerts


def on_events(events: list[Event[Any]], uow: UnitOfWork, deps: Deps) -> None:
    """Folds a fetched batch of events into the projections in one transaction (use_cases.project_batch)."""
    project_batch(uow, deps.rules, events, deps.clock.now(), deps.defs)


# the group name keys the inbox rows and the committed offsets: never rename it
SUBSCRIPTIONS = [
    Subscription("kpi.projections", INPUT_TOPICS, batch=on_events, batch_types=INPUT_EVENT_TYPES,
                 description="Projections of every accessibility figure, live; deviation tags as they appear."),
]
