"""Composition root of the intake service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.chassis.audit import case_ids_by_ref
from services.chassis.clock import Clock
from services.chassis.privacy import KeyVault
from services.chassis.runtime import ServiceRuntime, assemble
from services.chassis.spec import Infra, ServiceSpec
from services.intake.api import routers
from services.intake.api_callbacks import ROUTERS as CALLBACK_ROUTERS
from services.intake.api_self_referrals import router as self_referral_router
from services.intake.deps import AttemptWindow, Deps, Limits, SelfReferralLimits
from services.intake.forms import PaperForm, SchoolReferralForm
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.reference import (
    CALLBACK_POLICY_FILE,
    LANGUAGES_FILE,
    RETURN_REASONS_FILE,
    RULES_FILE,
    SCHOOLS_FILE,
    load_callback_policy,
    load_languages,
    load_return_reasons,
    load_rules,
    load_schools,
)
from services.intake.settings import IntakeSettings
from services.intake.store.documents import DocumentStore
from services.intake.store.tables import CaseRow, metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: IntakeSettings | None = None, clock: Clock | None = None) -> ServiceSpec[IntakeSettings, Deps]:
    settings = settings or IntakeSettings()
    rules = load_rules(settings.rules_file or RULES_FILE)  # a broken rules file stops start-up here
    schools = load_schools(settings.schools_file or SCHOOLS_FILE)
    callbacks = load_callback_policy(settings.callback_policy_file or CALLBACK_POLICY_FILE)
    languages = load_languages(settings.languages_file or LANGUAGES_FILE)
    return_reasons = load_return_reasons(settings.return_reasons_file or RETURN_REASONS_FILE)
    infra = Infra.of(settings, [metadata], clock)
    limits = Limits(max_attachments=settings.school_max_attachments,
                    max_attachment_bytes=settings.school_max_attachment_bytes,
                    attempts_per_window=settings.school_attempts_per_10min, window_s=600.0,
                    submissions_per_day=settings.school_submissions_per_day)
    deps = Deps(clock=infra.clock, db=infra.db, audit=infra.audit, rules=rules,
                vault=KeyVault(settings.resolved_keyvault_url(), "intake"),
                docs=DocumentStore(settings.resolved_documents_dir()), schools=schools, limits=limits,
                window=AttemptWindow(limits.attempts_per_window, limits.window_s),
                pseudonym_key=settings.pseudonym_key, max_scan_bytes=settings.max_scan_bytes, callbacks=callbacks,
                self_referral=SelfReferralLimits(
                    AttemptWindow(settings.self_referral_attempts_per_10min, 600.0),
                    AttemptWindow(settings.self_referral_address_attempts_per_10min, 600.0),
                    settings.self_referral_per_day, settings.self_referral_address_per_day),
                languages=languages, return_reasons=return_reasons)
    return ServiceSpec(
        title="Intake", description=(__doc__ or "").strip(), infra=infra, migrations=MIGRATIONS, deps=deps,
        subscriptions=SUBSCRIPTIONS,
        routers=[*routers(settings.max_scan_bytes, limits), *CALLBACK_ROUTERS, self_referral_router],
        openapi_models=(PaperForm, SchoolReferralForm), cases_of_child=case_ids_by_ref(CaseRow))


def build(settings: IntakeSettings | None = None,
          clock: Clock | None = None) -> tuple[ServiceRuntime[IntakeSettings, Deps], FastAPI]:
    return assemble(spec(settings, clock))
