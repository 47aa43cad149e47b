"""Composition root of the kpi service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.specification import AsyncAPI

from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.kpi.api import build_api
from services.kpi.handlers import build_router
from services.kpi.settings import KpiSettings
from services.kpi.store import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: KpiSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or KpiSettings()
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Kpi",
                        description=(__doc__ or "").strip())
    rt.include(build_router(rt))
    app = rt.create_app([build_api(rt)])
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.kpi.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
