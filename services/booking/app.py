"""Composition root of the booking service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI

from services.booking.api import routers
from services.booking.deps import Deps
from services.booking.domain.reference import load as load_reference
from services.booking.handlers import SUBSCRIPTIONS
from services.booking.interpreting import HttpInterpretingAgency
from services.booking.settings import BookingSettings
from services.booking.store import BookingCase, metadata
from services.chassis.audit import cases_by_ref
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime
from services.chassis.subscriptions import register

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: BookingSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or BookingSettings()
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Booking",
                        description=(__doc__ or "").strip())
    rt.cases_of_child = cases_by_ref(rt.db, BookingCase)
    agency = HttpInterpretingAgency(settings.interpreting_url, settings.interpreting_timeout_s,
                                    settings.interpreting_token)
    deps = Deps(ref=load_reference(settings.units_file), settings=settings, clock=rt.clock, agency=agency)
    router = KafkaRouter()
    register(rt.consumers, router, SUBSCRIPTIONS, deps)
    rt.include(router)
    app = rt.create_app(routers(settings))
    app.state.deps = deps
    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.booking.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
