"""Composition root of the booking service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.specification import AsyncAPI

from services.booking.api import build_api
from services.booking.bup_stages import build_stage_api
from services.booking.handlers import build_router
from services.booking.reference import load as load_reference
from services.booking.settings import BookingSettings
from services.booking.store import BookingCase, metadata
from services.chassis.audit import cases_by_ref
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: BookingSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or BookingSettings()
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Booking",
                        description=(__doc__ or "").strip())
    rt.cases_of_child = cases_by_ref(rt.db, BookingCase)
    ref = load_reference(settings.units_file)
    rt.include(build_router(rt, ref))
    app = rt.create_app([build_api(rt, ref), build_stage_api(rt)])
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.booking.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
