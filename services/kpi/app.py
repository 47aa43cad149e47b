"""Composition root of the kpi service: settings, data files, runtime, routers, clock watch; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI

from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.chassis.subscriptions import register
from services.kpi.api import router as api_router
from services.kpi.clockwatch import watch_clocks
from services.kpi.dashboard import router as dashboard_router
from services.kpi.deps import Deps
from services.kpi.domain.tally import Tallies
from services.kpi.handlers import SUBSCRIPTIONS
from services.kpi.metrics import kpi_metrics_text
from services.kpi.rules import load_definitions, load_rules
from services.kpi.runtime import CountingDeadLetters, KpiRuntime
from services.kpi.settings import KpiSettings
from services.kpi.store.tables import metadata
from services.kpi.store.tally import keep as keep_tally

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: KpiSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or KpiSettings()
    defs = load_definitions(settings.definitions_file)  # invalid policy data stops the start, loudly
    rules = load_rules(settings.deviation_rules_file)
    dead_letters = CountingDeadLetters()
    tallies = Tallies(defs, rules)
    rt = KpiRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Kpi", description=(__doc__ or "").strip(),
                    dead_letters=dead_letters,
                    metrics=lambda r: kpi_metrics_text(r.db, r.clock, defs, dead_letters.reasons),
                    after_migrate=lambda db: keep_tally(db, tallies))
    deps = Deps(rt.clock, defs, rules, dead_letters, tallies)
    router = KafkaRouter()
    register(rt.consumers, router, SUBSCRIPTIONS, deps)
    rt.include(router)
    rt.on_start(lambda: watch_clocks(rt, defs, rules, settings.clock_scan_interval_s))
    app = rt.create_app([api_router, dashboard_router])
    app.state.deps = deps
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.kpi.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
