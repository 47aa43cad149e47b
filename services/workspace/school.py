"""The school referral form (/skola): student health staff sign in for their school, send a referral with
consent and PDFs, get a receipt, and follow only its status. Same session, templates and client as the workspace."""
from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from contracts.common import MUNICIPALITIES
from services.chassis.auth import TokenVerifier
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer
from services.workspace.backend import Refused
from services.workspace.family_language import language_answer, language_choices
from services.workspace.sessions import COOKIE, Session
from services.workspace.web import NotForRole, Web, WebDep, redirect

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FORM_BYTES = MAX_FILES * MAX_FILE_BYTES + 64 * 1024
CHOICES = {  # the codes the page offers; intake checks them again
    "problem_areas": ("anxiety", "low_mood", "self_harm", "school_absence", "concentration", "behaviour", "eating",
                      "sleep", "social_relations", "trauma", "substance_use", "neurodevelopmental", "other"),
    "tried_steps": ("student_health_talks", "school_nurse", "school_psychologist", "adapted_teaching",
                    "special_support", "guardian_meetings", "social_services", "health_centre", "nothing_yet"),
    "consent_by": ("both_guardians", "one_guardian_sole_custody", "young_person"),
    "consent_how": ("in_person", "phone", "written", "digital"),
    "sender_title": ("school_nurse", "counsellor", "psychologist", "principal", "other"),
}
TEXT_FIELDS = ("identity_number", "municipality", "question", "tried_text", "consent_given", "consent_by",
               "consent_how", "consent_on", "sender_name", "sender_title", "sender_phone", "sender_email", "form_key",
               "language", "interpreter_needed")


def page_field(field: str) -> str:
    """Intake names fields by their place in its JSON form (`referral.sender.phone`); the page by its inputs."""
    parts = [p for p in field.removeprefix("referral.").replace("[", ".").replace("]", "").split(".")
             if p and not p.isdigit()]
    if not parts:
        return "form"
    if parts[0] == "child" and len(parts) > 1:
        return parts[1]
    return "_".join(parts[:2]) if parts[0] in ("consent", "sender") else parts[0]


def referral_json(v: dict[str, Any]) -> dict[str, Any]:
    """The page's fields as intake's SchoolReferralForm."""
    given = v.get("consent_given") == "yes"
    return {"child": {"identity_number": v.get("identity_number", ""), "municipality": v.get("municipality", "")},
            "problem_areas": v.get("problem_areas", []), "question": v.get("question", ""),
            "tried_steps": v.get("tried_steps", []), "tried_text": v.get("tried_text", ""),
            "consent": {"given": given, "by": v.get("consent_by") or None, "how": v.get("consent_how") or None,
                        "on": v.get("consent_on") or None},
            "sender": {"name": v.get("sender_name", ""), "title": v.get("sender_title") or "other",
                       "phone": v.get("sender_phone", ""), "email": v.get("sender_email") or None},
            **language_answer(v.get("language", ""), v.get("interpreter_needed", ""))}


class SchoolSignIn:
    """Embedded default only: a student health member picks the school; the local issuer signs a school_sender
    token naming it. In production the region's identity provider issues that token."""

    def __init__(self, web: Web) -> None:
        s = web.settings
        self.issuer = LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience)
        self.verifier = TokenVerifier(s.auth_issuer, s.auth_audience, jwks_file=self.issuer.jwks_file)
        self.web = web
        self._schools: list[dict[str, Any]] = []

    async def schools(self) -> list[dict[str, Any]]:
        if not self._schools:
            try:
                r = await self.web.backend.http.get(self.web.settings.intake_url + "/api/schools", headers={
                    "Authorization": f"Bearer {self.issuer.token('ops', ttl_s=60)}"})
                self._schools = r.json()["schools"] if r.status_code == 200 else []
            except Exception:  # intake still starting: the page says there is no school to choose yet
                self._schools = []
        return self._schools


async def the_school_signin(request: Request) -> SchoolSignIn | None:
    """The embedded default's school sign-in (None in production), kept on the app by app.py."""
    local: SchoolSignIn | None = request.app.state.school_signin
    return local


LocalDep = Annotated[SchoolSignIn | None, Depends(the_school_signin)]
router = APIRouter(prefix="/skola")


def sender(web: Web, request: Request) -> Session:
    session = web.session(request, personal=False)
    if session.staff.role != "school_sender":
        raise NotForRole()
    return session


@router.get("/signin")
async def signin_page(request: Request, web: WebDep, local: LocalDep) -> Response:
    schools = await local.schools() if local else []
    return web.render(request, "school_signin.html", None, schools=schools, local=local is not None,
                      oidc=web.oidc is not None)


@router.post("/signin")
async def signin(request: Request, web: WebDep, local: LocalDep) -> Response:
    form = await request.form()
    school, lang = str(form.get("school", "")), str(form.get("lang", "sv"))
    schools = await local.schools() if local else []
    if local is None or school not in {s["id"] for s in schools}:
        return web.render(request, "school_signin.html", None, status=422, schools=schools,
                          local=local is not None, error=True)
    token = local.issuer.token("school_sender", school=school,
                               subject=f"S-LOCAL-{school.upper()}-{str(form.get('person', '1'))[:8]}")
    staff = local.verifier.verify(token)
    session = web.sessions.open(token, staff, lang, replaces=request.cookies.get(COOKIE))
    return web.set_cookie(redirect(request, "/skola"), session)


@router.get("")
async def school_home(request: Request, web: WebDep) -> Response:
    session = sender(web, request)
    return web.render(request, "school_home.html", session)


@router.get("/status")
async def school_status(request: Request, web: WebDep) -> Response:
    session = sender(web, request)
    try:
        data = await web.backend.get(session, "intake", "/api/school-referrals")
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_school_status.html", session, data=data)


@router.get("/samtycke")
async def consent_help(request: Request, web: WebDep, given: str = "") -> Response:
    """The alternatives, shown as soon as 'No' is chosen (htmx), before anything is filled in further."""
    session = sender(web, request)
    return web.render(request, "_school_no_consent.html", session, shown=given == "no")


@router.get("/ny")
async def new_form(request: Request, web: WebDep) -> Response:
    session = sender(web, request)
    return web.render(request, "school_form.html", session, languages=await language_choices(web, session), **_ctx(
        {"form_key": secrets.token_urlsafe(16), "consent_on": datetime.now(STOCKHOLM).date().isoformat()}, {}))


@router.post("/ny")
async def submit(request: Request, web: WebDep) -> Response:
    session = sender(web, request)
    # the edge has capped the body at MAX_FORM_BYTES as it streamed in (services/workspace/edge.py)
    form = await request.form(max_files=MAX_FILES + 1, max_fields=80)
    languages = await language_choices(web, session)
    values: dict[str, Any] = {f: str(form.get(f, ""))[:4000] for f in TEXT_FIELDS}
    for many in ("problem_areas", "tried_steps"):
        values[many] = [str(x) for x in form.getlist(many)][:20]
    if values["consent_given"] == "no":  # nothing leaves the page without consent: intake is not even asked
        return web.render(request, "school_form.html", session, status=422, languages=languages,
                          **_ctx(values, {"consent_given": "no_consent"}))
    uploads = [u for u in form.getlist("attachments") if isinstance(u, UploadFile) and u.filename]
    files = []
    for u in uploads[:MAX_FILES + 1]:
        files.append(("attachments", (u.filename, await u.read(MAX_FILE_BYTES + 1), "application/pdf")))
    try:
        receipt = await web.backend.post(session, "intake", "/api/referrals/school", files=files or None,
                                         data={"referral": json.dumps(referral_json(values))},
                                         headers={"Idempotency-Key": values["form_key"] or secrets.token_hex(8)})
    except Refused as exc:
        errors: dict[str, str] = {}
        for f, e in exc.by_field().items():
            errors.setdefault(page_field(f), (e.get("en") if session.lang == "en" else e.get("sv")) or "")
        if "no_consent" in exc.codes():
            errors["consent_given"] = "no_consent"
        return web.render(request, "school_form.html", session, status=exc.status if exc.status in (403, 429)
                          else 422, languages=languages, **_ctx(values, errors))
    return redirect(request, f"/skola/kvitto/{receipt['referral_id']}")


@router.get("/kvitto/{referral_id}")
async def receipt(request: Request, web: WebDep, referral_id: str) -> Response:
    session = sender(web, request)
    try:
        data = await web.backend.get(session, "intake", "/api/school-referrals")
    except Refused as exc:
        return web.render(request, "school_refused.html", session, status=exc.status, errors=web.errors_text(session, exc))
    mine = next((r for r in data["referrals"] if r["referral_id"] == referral_id), None)
    if mine is None:  # another school's reference, or none: the same answer either way
        return web.render(request, "school_refused.html", session, status=404, errors={})
    return web.render(request, "school_receipt.html", session, r=mine, school=data["school"])


@router.get("/cases/{case_id}")
async def case_panel(request: Request, web: WebDep, case_id: str) -> Response:
    """For the contact centre, on the case screen: the school's question, what it tried, consent, sender."""
    session = web.session(request)
    try:
        referrals = await web.backend.get(session, "intake", f"/api/cases/{case_id}/school-referrals")
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_school_case.html", session, referrals=referrals)


def _ctx(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    values.setdefault("problem_areas", [])
    values.setdefault("tried_steps", [])
    return {"values": values, "errors": errors, "municipalities": MUNICIPALITIES, "choices": CHOICES,
            "max_files": MAX_FILES, "max_mb": MAX_FILE_BYTES // 1024 // 1024}
