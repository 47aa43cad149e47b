"""Composition root of the triage service: settings, policy data, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.chassis.audit import case_ids_by_ref
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime, assemble
from services.chassis.spec import Infra, ServiceSpec
from services.triage.api import router
from services.triage.domain.policy import load_policy
from services.triage.handlers import SUBSCRIPTIONS
from services.triage.settings import TriageSettings
from services.triage.store import TriageCase, metadata
from services.triage.use_cases import Deps

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: TriageSettings | None = None, clock: Clock | None = None) -> ServiceSpec[TriageSettings, Deps]:
    settings = settings or TriageSettings()
    # The instruments and the guide are checked before anything starts: a broken file stops the service.
    policy = load_policy(settings.instrument_dirs(), settings.main_instrument, settings.guide_file)
    infra = Infra.of(settings, [metadata], clock)
    return ServiceSpec(
        title="Triage", description=(__doc__ or "").strip(), infra=infra, migrations=MIGRATIONS,
        deps=Deps(policy=policy, clock=infra.clock), subscriptions=SUBSCRIPTIONS, routers=[router],
        cases_of_child=case_ids_by_ref(TriageCase))


def build(settings: TriageSettings | None = None,
          clock: Clock | None = None) -> tuple[ServiceRuntime[TriageSettings, Deps], FastAPI]:
    return assemble(spec(settings, clock))
