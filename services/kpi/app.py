"""Composition root of the kpi service: settings, data files, runtime, routers, clock watch; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.specification import AsyncAPI

from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.kpi.api import build_api
from services.kpi.clockwatch import watch_clocks
from services.kpi.dashboard import build_dashboard
from services.kpi.handlers import build_router
from services.kpi.metrics import kpi_metrics_text
from services.kpi.rules import load_definitions, load_rules
from services.kpi.runtime import KpiRuntime
from services.kpi.settings import KpiSettings
from services.kpi.store import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: KpiSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or KpiSettings()
    defs = load_definitions(settings.definitions_file)  # invalid policy data stops the start, loudly
    rules = load_rules(settings.deviation_rules_file)
    rt = KpiRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Kpi",
                    description=(__doc__ or "").strip())
    rt.kpi_metrics = lambda: kpi_metrics_text(rt, defs)
    rt.include(build_router(rt, rules))
    rt.on_start(lambda: watch_clocks(rt, defs, rules, settings.clock_scan_interval_s))
    app = rt.create_app([build_api(rt, defs, rules), build_dashboard(settings.units_file)])
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.kpi.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
