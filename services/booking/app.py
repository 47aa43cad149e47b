"""Composition root of the booking service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.booking.api import routers
from services.booking.deps import Deps
from services.booking.domain.reference import load as load_reference
from services.booking.domain.runway import load_policy
from services.booking.handlers import SUBSCRIPTIONS
from services.booking.interpreting import HttpInterpretingAgency
from services.booking.nightly import every_night
from services.booking.settings import BookingSettings
from services.booking.store import BookingCase, metadata
from services.chassis.audit import case_ids_by_ref
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime, assemble
from services.chassis.spec import Infra, ServiceSpec

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: BookingSettings | None = None, clock: Clock | None = None) -> ServiceSpec[BookingSettings, Deps]:
    settings = settings or BookingSettings()
    infra = Infra.of(settings, [metadata], clock)
    agency = HttpInterpretingAgency(settings.interpreting_url, settings.interpreting_timeout_s,
                                    settings.interpreting_token)
    deps = Deps(ref=load_reference(settings.units_file), settings=settings, clock=infra.clock,
                runway=load_policy(settings.runway_policy_file), agency=agency)
    return ServiceSpec(
        title="Booking", description=(__doc__ or "").strip(), infra=infra, migrations=MIGRATIONS, deps=deps,
        subscriptions=SUBSCRIPTIONS, routers=routers(settings), cases_of_child=case_ids_by_ref(BookingCase),
        background=[lambda: every_night(infra.db, deps)])


def build(settings: BookingSettings | None = None,
          clock: Clock | None = None) -> tuple[ServiceRuntime[BookingSettings, Deps], FastAPI]:
    return assemble(spec(settings, clock))
