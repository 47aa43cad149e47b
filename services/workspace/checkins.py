"""Check-ins with waiting families, both sides: the family's page behind the personal link (/svar/{token}, no
sign-in: the token is the key to one check-in), and for staff the list to call today and a case's answers, with
closing the case in the family's words when they no longer need it. Nothing is decided automatically."""
from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.chassis.issuer import LocalIssuer
from services.workspace.backend import Refused, errors_of
from services.workspace.web import Web, WebDep, redirect


class CheckinAccount:
    """The workspace's own account towards notifications for the family's page: on the embedded default a
    short-lived ops token from the local issuer; in production the configured service token."""

    def __init__(self, web: Web) -> None:
        s = web.settings
        self.web = web
        self.issuer = LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience) \
            if s.local_signin else None

    def headers(self) -> dict[str, str] | None:
        token = self.web.settings.service_token or (
            self.issuer.token("ops", subject="S-WORKSPACE-CHECKIN", ttl_s=60) if self.issuer else None)
        return {"Authorization": f"Bearer {token}"} if token else None

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response | None:
        headers = self.headers()
        if headers is None:
            return None
        try:
            return await self.web.backend.http.request(method, self.web.settings.notifications_url + path,
                                                       headers=headers, **kw)
        except httpx.HTTPError:
            return None


def _why(r: httpx.Response | None, lang: str) -> str:
    """The refusal in the family's language (Swedish unless they chose English), or that the page is away."""
    if r is None:
        return "The page does not work right now. Call 1177 and choose 2." if lang == "en" else \
            "Sidan fungerar inte just nu. Ring 1177 och välj 2."
    first = (errors_of(r) or [{}])[0]
    return first.get("en" if lang == "en" else "sv") or ""


router = APIRouter()


@router.get("/svar/{token}")
async def family_page(request: Request, web: WebDep, token: str) -> Response:
    lang = request.query_params.get("lang", "sv")
    r = await CheckinAccount(web).call("GET", f"/api/checkins/{token[:40]}")
    if r is None or r.status_code != 200:
        return web.render(request, "checkin_done.html", None, status=r.status_code if r else 503,
                          message=_why(r, lang), ok=False)
    return web.render(request, "checkin.html", None, token=token, errors={}, values={})

@router.post("/svar/{token}")
async def family_answers(request: Request, web: WebDep, token: str, how: str = Form(""), worry: str = Form(""),
                         still_wanted: str = Form(""), risk: str = Form("")) -> Response:
    lang = request.query_params.get("lang", "sv")
    values = {"how": how, "worry": worry, "still_wanted": still_wanted, "risk": risk}
    missing = {f: ("Välj ett svar." if lang != "en" else "Choose an answer.")
               for f in ("how", "still_wanted", "risk") if not values[f]}
    if missing:
        return web.render(request, "checkin.html", None, status=422, token=token, errors=missing, values=values)
    r = await CheckinAccount(web).call("POST", f"/api/checkins/{token[:40]}/answers", json={
        "how": how, "worry": worry.strip(), "still_wanted": still_wanted == "yes", "risk": risk == "yes"})
    if r is None or r.status_code != 201:
        return web.render(request, "checkin_done.html", None, status=r.status_code if r else 503,
                          message=_why(r, lang), ok=False)
    return web.render(request, "checkin_done.html", None, ok=True, risk=risk == "yes", message=None)

@router.get("/queue/call-today")
async def call_today(request: Request, web: WebDep) -> Response:
    session = web.session(request)
    try:
        data = await web.backend.get(session, "intake", "/api/call-today")
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_call_today.html", session, calls=data["calls"])

@router.post("/call-today/{checkin_id}/done")
async def call_done(request: Request, web: WebDep, checkin_id: str) -> Response:
    session = web.session(request)
    try:
        await web.backend.post(session, "intake", f"/api/call-today/{checkin_id}/done")
        data = await web.backend.get(session, "intake", "/api/call-today")
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_call_today.html", session, calls=data["calls"])

@router.get("/cases/{case_id}/checkins")
async def case_checkins(request: Request, web: WebDep, case_id: str) -> Response:
    session = web.session(request)
    try:
        answers = await web.backend.get(session, "notifications", f"/api/cases/{case_id}/checkins")
    except Refused:
        answers = []
    return web.render(request, "_checkins.html", session, case_id=case_id, checkins=answers,
                      no_longer=[a for a in answers if a.get("still_wanted") is False])

@router.post("/cases/{case_id}/close-no-longer-needed")
async def close_no_longer_needed(request: Request, web: WebDep, case_id: str) -> Response:
    """The family no longer needs the appointment: a person closes the case (audited in intake)."""
    session = web.session(request)
    try:
        await web.backend.post(session, "intake", f"/api/cases/{case_id}/close", json={"reason": "withdrawn"},
                               headers={"Idempotency-Key": f"no-longer-needed-{case_id}"})
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return redirect(request, f"/cases/{case_id}")
