"""Composition root of the intake service: settings, runtime, routers; the only reader of config."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI

from services.chassis.audit import cases_by_ref
from services.chassis.clock import Clock
from services.chassis.errors import problem_response
from services.chassis.privacy import KeyVault
from services.chassis.runtime import ServiceRuntime
from services.intake.api import build_api
from services.intake.calls import Calls
from services.intake.casework import Casework
from services.intake.documents import DocumentStore
from services.intake.domain.problems import Invalid
from services.intake.forms import PaperForm, SchoolReferralForm
from services.intake.handlers import build_router
from services.intake.rules import RULES_FILE, load_rules
from services.intake.schools import SCHOOLS_FILE, Limits, SchoolReferrals, load_schools
from services.intake.settings import IntakeSettings
from services.intake.store import CaseRow, metadata
from services.intake.takein import TakeIn

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: IntakeSettings | None = None, clock: Clock | None = None) -> tuple[ServiceRuntime, FastAPI]:
    settings = settings or IntakeSettings()
    rules = load_rules(settings.rules_file or RULES_FILE)  # a broken rules file stops start-up here
    schools = load_schools(settings.schools_file or SCHOOLS_FILE)
    rt = ServiceRuntime(settings, [metadata], MIGRATIONS, clock=clock, title="Intake",
                        description=(__doc__ or "").strip())
    rt.cases_of_child = cases_by_ref(rt.db, CaseRow)
    rt.include(build_router(rt))
    vault = KeyVault(settings.resolved_keyvault_url(), "intake")
    takein = TakeIn(rt, rules, vault)
    docs = DocumentStore(settings.resolved_documents_dir())
    rt.openapi_models = (PaperForm, SchoolReferralForm)
    limits = Limits(max_attachments=settings.school_max_attachments,
                    max_attachment_bytes=settings.school_max_attachment_bytes,
                    attempts_per_window=settings.school_attempts_per_10min, window_s=600.0,
                    submissions_per_day=settings.school_submissions_per_day)
    school_referrals = SchoolReferrals(takein, docs, schools, limits)
    app = rt.create_app([build_api(takein, Casework(rt, rules), Calls(rt), docs, school_referrals)])

    @app.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid) -> JSONResponse:
        return problem_response(request, 422, exc.problems)

    return rt, app


def asyncapi() -> AsyncAPI:
    """Factory for `faststream docs gen --factory services.intake.app:asyncapi`."""
    rt, _ = build()
    return rt.asyncapi()
