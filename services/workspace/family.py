"""Families sign in (1177's e-identification in production: BankID, Freja): a guardian, or a young person for
themselves. For now a signed-in landing page that says who signed in; the families' form comes in its own issue."""
from __future__ import annotations

from typing import Any

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workspace.signin import finish_oidc
from services.workspace.web import Web, redirect


def who(id_token: str) -> dict[str, Any]:
    """The names the provider gave, from the ID token checked at sign-in and kept encrypted on the server."""
    claims = jwt.decode(id_token, options={"verify_signature": False}) if id_token else {}
    return {"given_name": claims.get("given_name", ""), "family_name": claims.get("family_name", "")}


def build_family(web: Web) -> APIRouter:
    router = APIRouter(prefix="/familj")

    @router.get("/signin")
    async def family_signin_page(request: Request) -> Response:
        return web.render(request, "family_signin.html", None, oidc=web.oidc is not None)

    @router.get("/signin/start")
    async def family_signin_start(request: Request) -> Response:
        if web.oidc is None:
            return redirect(request, "/familj/signin")
        return await web.oidc.family.redirect(request, web.oidc.url(request, "/familj/signin/callback"))

    @router.get("/signin/callback")
    async def family_signin_callback(request: Request) -> Response:
        if web.oidc is None:
            return redirect(request, "/familj/signin")
        return await finish_oidc(web, request, web.oidc.family, "family_signin.html")

    @router.get("")
    async def family_home(request: Request) -> Response:
        session = web.current(request)
        if session is None or not session.is_family:
            return redirect(request, "/familj/signin")
        return web.render(request, "family_home.html", None, family=session.staff, lang=session.lang,
                          **who(session.id_token))

    return router
