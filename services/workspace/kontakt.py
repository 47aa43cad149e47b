"""'Kontakta oss' (/kontakt): a public form where a guardian, or a young person from 13, signs in with
e-identification and asks the contact centre to call. Acute-risk answers are answered on the screen at once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from contracts.common import MUNICIPALITIES
from services.chassis.issuer import LocalIssuer
from services.workspace.backend import Refused, errors_of
from services.workspace.citizens import COOKIE, ROLES, Citizen, Citizens, Gateway
from services.workspace.i18n import labeller, translator
from services.workspace.school import CHOICES
from services.workspace.settings import WorkspaceSettings
from services.workspace.signin import sign_out
from services.workspace.web import Web, WebDep, redirect

# the Swedish OIDC profile's claim (oidc.se), and the plain name a provider may map instead
PNR_CLAIMS = ("https://id.oidc.se/claim/personalIdentityNumber", "personal_identity_number")
RISKS = ("self_harm_now", "suicide_thoughts", "danger_now")
URGENCY = ("weeks", "days", "today")
TIMES = ("morning", "afternoon", "any")
TEXT = ("child_pnr", "municipality", "worry", "urgency", "phone", "preferred_time", "sms_ok", "language",
        "other_language", "interpreter", "guardians_may_know", *(f"risk_{r}" for r in RISKS))
FIELDS = {"child.identity_number": "child_pnr", "child.municipality": "municipality", "problem_areas": "problem_areas",
          "worry": "worry", "urgency": "urgency", "reach.phone": "phone", "other_language": "other_language",
          "sender.identity_number": "form", "sender.role": "form"}


def identity_of(id_token: str) -> str | None:
    """The personnummer the e-ID provider put in the ID token (checked at sign-in, kept encrypted since)."""
    claims = jwt.decode(id_token, options={"verify_signature": False}) if id_token else {}
    for name in PNR_CLAIMS:
        if isinstance(claims.get(name), str):
            return str(claims[name])
    return None


def payload(c: Citizen, v: dict[str, Any], address: str | None) -> dict[str, Any]:
    """The page's fields as intake's SelfReferralForm; the sender is who the e-identification said."""
    yes = {f"risk_{r}": v.get(f"risk_{r}") == "yes" for r in RISKS}
    may_know = {"yes": True, "no": False}.get(str(v.get("guardians_may_know")))
    return {"sender": {"role": c.role, "identity_number": c.identity_number},
            "child": {"identity_number": (v.get("child_pnr") or None) if c.role == "guardian" else None,
                      "municipality": v.get("municipality", "")},
            "problem_areas": v.get("problem_areas", []), "worry": v.get("worry", ""),
            "urgency": v.get("urgency") or "days", "risk": {r: yes[f"risk_{r}"] for r in RISKS},
            "reach": {"phone": v.get("phone", ""), "preferred_time": v.get("preferred_time") or "any",
                      "sms_ok": v.get("sms_ok") == "yes"},
            "language": v.get("language") or "sv", "other_language": v.get("other_language") or None,
            "interpreter": v.get("interpreter") == "yes",
            "guardians_may_know": may_know if c.role == "young_person" else None, "client_address": address}


@dataclass
class Door:
    """What the families' door keeps between requests: the stand-in's issuer (embedded default only), the
    gateway's token to intake, and who is signed in."""

    local: LocalIssuer | None
    gateway: Gateway
    citizens: Citizens


def door_of(s: WorkspaceSettings) -> Door:
    local = LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience) if s.local_signin else None
    return Door(local, Gateway(local, s.kontakt_gateway_token_file), Citizens())


async def the_door(request: Request) -> Door:
    """The families' door, kept on the app by app.py."""
    door: Door = request.app.state.kontakt
    return door


DoorDep = Annotated[Door, Depends(the_door)]
router = APIRouter(prefix="/kontakt")


def page(web: Web, request: Request, name: str, lang: str, status: int = 200, **ctx: Any) -> Response:
    lang = lang if lang in ("sv", "en") else "sv"
    return web.render(request, name, None, status=status, **{"t": translator(lang), "label": labeller(lang),
                                                              "lang": lang, "home": "/kontakt", "brand": "ko_brand",
                                                              **ctx})


def citizen(web: Web, door: Door, request: Request) -> Citizen | None:
    """The stand-in's signed-in sender, or a family signed in through the e-ID provider (OIDC): their role
    from the provider, their personnummer from the ID token checked at sign-in."""
    found = door.citizens.get(request.cookies.get(COOKIE))
    family = web.current(request) if web.oidc is not None and found is None else None
    if family is None or not family.is_family:
        return found
    number = identity_of(family.id_token)
    return door.citizens.adopt(family.sid, number, family.staff.role, family.lang) if number else None


@router.get("")
async def home(request: Request, web: WebDep, door: DoorDep, lang: str = "sv") -> Response:
    c = citizen(web, door, request)
    return page(web, request, "kontakt_home.html", c.lang if c else lang, citizen=c)


@router.get("/logga-in")
async def signin_page(request: Request, web: WebDep, door: DoorDep, som: str = "guardian",
                      lang: str = "sv") -> Response:
    return page(web, request, "kontakt_signin.html", lang, role=som if som in ROLES else "guardian",
                standin=door.local is not None, oidc=web.oidc is not None, error=False)


@router.post("/logga-in")
async def signin(request: Request, web: WebDep, door: DoorDep) -> Response:
    form = await request.form()
    role, lang = str(form.get("som", "guardian")), str(form.get("lang", "sv"))
    number = str(form.get("identity_number", "")).strip()[:13]
    if door.local is None or role not in ROLES or not 10 <= len(number.replace("-", "")) <= 12:
        return page(web, request, "kontakt_signin.html", lang, status=422, role=role if role in ROLES else "guardian",
                    standin=door.local is not None, oidc=web.oidc is not None, error=True)
    c = door.citizens.open(number, role, lang if lang in ("sv", "en") else "sv")
    response = redirect(request, "/kontakt/formular")
    response.set_cookie(COOKIE, c.sid, httponly=True, samesite="strict", secure=web.settings.secure_cookie(),
                        path="/kontakt", max_age=door.citizens.idle_s)
    return response


@router.post("/logga-ut")
async def signout(request: Request, web: WebDep, door: DoorDep) -> Response:
    family = web.current(request) if web.oidc is not None else None
    if family is not None and family.is_family:  # signed in at the e-ID provider: out there too
        door.citizens.close(family.sid)
        return await sign_out(web, request, family)
    door.citizens.close(request.cookies.get(COOKIE))
    response = redirect(request, "/kontakt")
    response.delete_cookie(COOKIE, path="/kontakt")
    return response


@router.get("/risk")
async def risk_help(request: Request, web: WebDep, lang: str = "sv") -> Response:
    """Shown as soon as a risk question is answered yes (htmx), before anything is sent."""
    shown = any(request.query_params.get(f"risk_{r}") == "yes" for r in RISKS)
    return page(web, request, "_kontakt_acute.html", lang, shown=shown, sent=False)


@router.get("/formular")
async def form_page(request: Request, web: WebDep, door: DoorDep) -> Response:
    c = citizen(web, door, request)
    if c is None:
        return redirect(request, "/kontakt")
    return page(web, request, "kontakt_form.html", c.lang, **_ctx(c, {"urgency": "days", "preferred_time": "any",
                                                                 "sms_ok": "yes", "language": c.lang}, {}))


@router.post("/formular")
async def submit(request: Request, web: WebDep, door: DoorDep) -> Response:
    c = citizen(web, door, request)
    if c is None:
        return redirect(request, "/kontakt")
    form = await request.form(max_fields=60)
    values: dict[str, Any] = {f: str(form.get(f, ""))[:2000] for f in TEXT}
    values["problem_areas"] = [str(x) for x in form.getlist("problem_areas")][:13]
    token = door.gateway.token()
    if token is None:
        return page(web, request, "kontakt_form.html", c.lang, status=503, **_ctx(c, values, {"form": "unavailable"}))
    address = request.client.host if request.client else None
    try:
        r = await web.backend.http.post(web.settings.intake_url + "/api/self-referrals", json=payload(c, values, address),
                                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": c.form_key})
    except Exception:  # intake away: say so, keep what was written
        return page(web, request, "kontakt_form.html", c.lang, status=503, **_ctx(c, values, {"form": "unavailable"}))
    if r.status_code >= 400:
        refused = Refused(r.status_code, errors_of(r))
        errors = {FIELDS.get(f, "form"): (e.get("en") if c.lang == "en" else e.get("sv")) or ""
                  for f, e in refused.by_field().items()}
        return page(web, request, "kontakt_form.html", c.lang, status=r.status_code if r.status_code == 429 else 422,
                    **_ctx(c, values, errors))
    receipt = r.json()
    c.receipts[receipt["referral_id"]] = receipt
    c.form_key = secrets.token_urlsafe(16)  # a new form is a new submission
    return redirect(request, f"/kontakt/kvitto/{receipt['referral_id']}")


@router.get("/kvitto/{referral_id}")
async def receipt_page(request: Request, web: WebDep, door: DoorDep, referral_id: str) -> Response:
    c = citizen(web, door, request)
    receipt = c.receipts.get(referral_id) if c else None
    if c is None or receipt is None:
        return redirect(request, "/kontakt")
    return page(web, request, "kontakt_receipt.html", c.lang, r=receipt, citizen=c)


@router.get("/cases/{case_id}")
async def case_panel(request: Request, web: WebDep, case_id: str) -> Response:
    """For the contact centre, on the case screen: what the sender wrote and how to reach them (audited)."""
    session = web.session(request)
    try:
        items = await web.backend.get(session, "intake", f"/api/cases/{case_id}/self-referrals")
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_kontakt_case.html", session, items=items)


def _ctx(c: Citizen, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    values.setdefault("problem_areas", [])
    return {"citizen": c, "values": values, "errors": errors, "municipalities": MUNICIPALITIES,
            "areas": CHOICES["problem_areas"], "risks": RISKS, "urgencies": URGENCY, "times": TIMES}
