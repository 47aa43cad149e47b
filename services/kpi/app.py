"""Composition root of the kpi service: settings, data files, runtime, routers, clock watch; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime, assemble
from services.chassis.spec import Infra, ServiceSpec
from services.chassis.unit_names import load_unit_names
from services.kpi.api import router as api_router
from services.kpi.api_forecast import router as forecast_router
from services.kpi.clockwatch import watch_clocks
from services.kpi.dashboard import TOKEN_COOKIE
from services.kpi.dashboard import router as dashboard_router
from services.kpi.dead_letters import CountingDeadLetters
from services.kpi.demand_publish import every_night
from services.kpi.deps import Deps
from services.kpi.domain.tally import Tallies
from services.kpi.handlers import SUBSCRIPTIONS
from services.kpi.metrics import kpi_metrics_text
from services.kpi.rules import load_definitions, load_rules
from services.kpi.settings import KpiSettings
from services.kpi.store.tables import metadata
from services.kpi.store.tally import keep as keep_tally

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: KpiSettings | None = None, clock: Clock | None = None) -> ServiceSpec[KpiSettings, Deps]:
    settings = settings or KpiSettings()
    defs = load_definitions(settings.definitions_file)  # invalid policy data stops the start, loudly
    rules = load_rules(settings.deviation_rules_file)
    infra = Infra.of(settings, [metadata], clock)
    dead_letters = CountingDeadLetters()
    tallies = Tallies(defs, rules)
    return ServiceSpec(
        title="Kpi", description=(__doc__ or "").strip(), infra=infra, migrations=MIGRATIONS,
        deps=Deps(infra.clock, defs, rules, dead_letters, tallies, load_unit_names(settings.units_file)),
        subscriptions=SUBSCRIPTIONS,
        routers=[api_router, forecast_router, dashboard_router], dead_letters=dead_letters,
        app_state={"token_cookie": TOKEN_COOKIE},
        metrics=[lambda: kpi_metrics_text(infra.db, infra.clock, defs, dead_letters.reasons)],
        background=[lambda: watch_clocks(infra, defs, rules, settings.clock_scan_interval_s),
                    lambda: every_night(infra, settings.demand_every_s)],
        after_migrate=[lambda db: keep_tally(db, tallies)])


def build(settings: KpiSettings | None = None,
          clock: Clock | None = None) -> tuple[ServiceRuntime[KpiSettings, Deps], FastAPI]:
    return assemble(spec(settings, clock))
