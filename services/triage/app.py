"""Composition root of the triage service: settings, policy data, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI

from services.chassis.audit import cases_by_ref
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.chassis.subscriptions import register
from services.triage.api import router
from services.triage.domain.policy import load_policy
from services.triage.handlers import SUBSCRIPTIONS
from services.triage.settings import TriageSettings
from services.triage.store import TriageCase, metadata
from services.triage.use_cases import Deps

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: TriageSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or TriageSettings()
    # The instruments and the guide are checked before anything starts: a broken file stops the service.
    policy = load_policy(settings.instrument_dirs(), settings.main_instrument, settings.guide_file)
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Triage",
                        description=(__doc__ or "").strip())
    rt.cases_of_child = cases_by_ref(rt.db, TriageCase)
    deps = Deps(policy=policy, clock=rt.clock)
    consumers = KafkaRouter()
    register(rt.consumers, consumers, SUBSCRIPTIONS, deps)
    rt.include(consumers)
    app = rt.create_app([router])
    app.state.deps = deps
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.triage.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
