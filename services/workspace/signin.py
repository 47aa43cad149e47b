"""Signing in and out. In production the region's OIDC provider signs staff and school senders in (authorization
code + PKCE, services/workspace/oidc.py); on the embedded default, bound to loopback, the local issuer signs a
token for the role and unit a person picks. Either way the token stays on the server."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.chassis.auth import ROLES, SCHOOL_ROLES, TokenVerifier
from services.chassis.issuer import LocalIssuer
from services.workspace.oidc import Provider, SignInFailed
from services.workspace.sessions import COOKIE, HOME, Session
from services.workspace.web import SignInNeeded, Web, redirect


class LocalSignIn:
    """The embedded default's issuer, used only when WORKSPACE_LOCAL_SIGNIN is on (and bound to loopback)."""

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


async def finish_oidc(web: Web, request: Request, provider: Provider, failed_page: str) -> Response:
    """The way back from the provider: tokens for the code, who it is, a new session (the browser's old one
    revoked). The page that follows is reached by a meta refresh from this origin: after a redirect chain that
    began at another site the browser would not send a SameSite=Strict cookie yet."""
    assert web.oidc is not None
    try:
        tokens = await provider.finish(request)
        staff = await web.oidc.staff_of(provider, tokens)
    except SignInFailed:
        return web.render(request, failed_page, None, status=403, oidc=True, local=False, failed=True,
                          roles=(), units=(), schools=())
    session = web.sessions.open(tokens.access_token, staff, request.query_params.get("lang", "sv"),
                                refresh_token=tokens.refresh_token, id_token=tokens.id_token,
                                expires_at=tokens.expires_at, replaces=request.cookies.get(COOKIE))
    page = web.render(request, "signed_in.html", None, target=HOME.get(staff.role, "/"))
    return web.set_cookie(page, session)


async def sign_out(web: Web, request: Request, session: Session | None) -> Response:
    """The session ends here; an OIDC session at the provider too (RP-initiated logout), which sends the
    person back to the sign-in page."""
    web.sessions.close(request.cookies.get(COOKIE))
    after = "/familj/signin" if session is not None and session.is_family else "/signin"
    response = redirect(request, after)
    if session is not None and session.id_token and web.oidc is not None:
        provider = web.oidc.family if session.is_family else web.oidc.staff
        end = await provider.logout_url(session.id_token, web.oidc.url(request, after))
        if end:
            response = redirect(request, end)
    response.delete_cookie(COOKIE, path="/")
    return response


def build_signin(web: Web) -> APIRouter:
    router = APIRouter()
    local = LocalSignIn(web) if web.settings.local_signin else None

    @router.get("/signin")
    async def signin_page(request: Request) -> Response:
        units = await local.units() if local else []
        return web.render(request, "signin.html", None, roles=STAFF_ROLES, units=units, local=local is not None,
                          oidc=web.oidc is not None)

    @router.get("/signin/start")
    async def signin_start(request: Request) -> Response:
        if web.oidc is None:
            return redirect(request, "/signin")
        return await web.oidc.staff.redirect(request, web.oidc.url(request, "/signin/callback"))

    @router.get("/signin/callback")
    async def signin_callback(request: Request) -> Response:
        if web.oidc is None:
            return redirect(request, "/signin")
        return await finish_oidc(web, request, web.oidc.staff, "signin.html")

    @router.post("/signin")
    async def signin(request: Request, role: str = Form(...), unit: str = Form(""), lang: str = Form("sv")) -> Response:
        if local is None or role not in STAFF_ROLES:
            units = await local.units() if local else []
            return web.render(request, "signin.html", None, status=422, roles=STAFF_ROLES, units=units,
                              local=local is not None, oidc=web.oidc is not None, error="role")
        token = local.issuer.token(role, unit=unit or None, subject=local_subject(role))
        staff = local.verifier.verify(token)  # the same check every service makes
        session = web.sessions.open(token, staff, lang, replaces=request.cookies.get(COOKIE))
        return web.set_cookie(redirect(request, HOME.get(role, "/")), session)

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        return await sign_out(web, request, web.current(request))

    @router.post("/lang")
    async def switch_language(request: Request) -> Response:
        session = web.current(request)  # families too
        if session is None:
            raise SignInNeeded()
        web.sessions.set_lang(session, "en" if session.lang == "sv" else "sv")
        back = request.headers.get("referer", "/")
        return redirect(request, back if back.startswith(str(request.base_url)) else "/")

    return router
