"""Signing in and out. On the embedded default the local issuer signs a token for the role and unit chosen;
in production the region's OIDC provider does (not this page). Either way the token stays on the server."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.chassis.auth import ROLES, SCHOOL_ROLES, TokenVerifier
from services.chassis.issuer import LocalIssuer
from services.workspace.sessions import COOKIE, HOME
from services.workspace.web import Web, redirect


class LocalSignIn:
    """The embedded default's issuer, used only when WORKSPACE_LOCAL_SIGNIN is on."""

    def __init__(self, web: Web) -> None:
        s = web.settings
        self.issuer = LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience)
        self.verifier = TokenVerifier(s.auth_issuer, s.auth_audience, jwks_file=self.issuer.jwks_file)
        self.web = web
        self._units: list[dict[str, Any]] = []

    async def units(self) -> list[dict[str, Any]]:
        """The units to sign in at, as booking lists them (read with a short-lived scheduler token)."""
        if not self._units:
            try:
                r = await self.web.backend.http.get(self.web.settings.booking_url + "/api/units", headers={
                    "Authorization": f"Bearer {self.issuer.token('scheduler', ttl_s=60)}"})
                self._units = r.json() if r.status_code == 200 else []
            except Exception:  # booking still starting: the page offers the contact centre only
                self._units = []
        return self._units


STAFF_ROLES = tuple(r for r in ROLES if r not in SCHOOL_ROLES)  # school senders sign in at /skola/signin


def local_subject(role: str) -> str:
    """The staff id the local sign-in gives a role (kontakt/callplatform.py rings calls for it by default)."""
    return f"S-LOCAL-{role.upper()}"


def build_signin(web: Web) -> APIRouter:
    router = APIRouter()
    local = LocalSignIn(web) if web.settings.local_signin else None

    @router.get("/signin")
    async def signin_page(request: Request) -> Response:
        units = await local.units() if local else []
        return web.render(request, "signin.html", None, roles=STAFF_ROLES, units=units, local=local is not None)

    @router.post("/signin")
    async def signin(request: Request, role: str = Form(...), unit: str = Form(""), lang: str = Form("sv")) -> Response:
        if local is None or role not in STAFF_ROLES:
            units = await local.units() if local else []
            return web.render(request, "signin.html", None, status=422, roles=STAFF_ROLES, units=units,
                              local=local is not None, error="role")
        token = local.issuer.token(role, unit=unit or None, subject=local_subject(role))
        staff = local.verifier.verify(token)  # the same check every service makes
        session = web.sessions.open(token, staff, lang if lang in ("sv", "en") else "sv")
        response = redirect(request, HOME.get(role, "/"))
        response.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict", secure=web.settings.cookie_secure,
                            path="/", max_age=web.settings.session_idle_s)
        return response

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        web.sessions.close(request.cookies.get(COOKIE))
        response = redirect(request, "/signin")
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.post("/lang")
    async def switch_language(request: Request) -> Response:
        session = web.session(request, personal=False)
        session.lang = "en" if session.lang == "sv" else "sv"
        back = request.headers.get("referer", "/")
        return redirect(request, back if back.startswith(str(request.base_url)) else "/")

    return router
