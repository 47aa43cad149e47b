"""Composition root of the intake service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.specification import AsyncAPI

from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.intake.api import build_api
from services.intake.handlers import build_router
from services.intake.settings import IntakeSettings
from services.intake.store import metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: IntakeSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or IntakeSettings()
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Intake",
                        description=(__doc__ or "").strip())
    rt.include(build_router(rt))
    app = rt.create_app([build_api(rt)])
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.intake.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
