"""The dashboard page and its script and styles: a static shell, every figure comes from the role-checked API.

The page never holds the token: signing in posts it once to /dashboard/session, which keeps it in an HttpOnly,
SameSite=Strict session cookie the API reads for GET requests only (`app.state.token_cookie`); nothing is put in
the browser's storage, and the page runs under a strict CSP that allows only its own scripts."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from contracts.labels import labels
from services.chassis.auth import TokenVerifier
from services.kpi.deps import Deps

STATIC = Path(__file__).parent / "static"
FILES = {"app.js": "text/javascript", "app.css": "text/css", "charts.js": "text/javascript"}
# the words the page shows for codes: shared with the workspace and the messages (contracts/labels.yaml)
LABEL_KINDS = ("clock", "level", "channel", "deviation", "sex")
TOKEN_COOKIE = "kpi_session"
READERS = ("kpi_analyst", "kc_head", "unit_head", "coordinator", "ops", "clinician")  # any role with a figure
HEADERS = {"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                      "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
           "Cache-Control": "no-store"}

# no data is served here (so no role): the page signs in once and calls /api/kpi with its cookie
router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/dashboard/labels.json", include_in_schema=False)
def label_words(request: Request) -> dict[str, Any]:
    """Codes as [sv, en] and units by name, read by the page before anyone signs in."""
    deps: Deps = request.app.state.deps
    return {**{k: labels()[k] for k in LABEL_KINDS}, "unit": deps.unit_names}


@router.get("/dashboard/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in FILES:
        raise HTTPException(404)
    return FileResponse(STATIC / name, media_type=FILES[name], headers=HEADERS)


def _from_this_page(request: Request) -> bool:
    """A sign-in posted by the dashboard itself, not by a page of another origin (login CSRF)."""
    origin, site = request.headers.get("origin"), request.headers.get("sec-fetch-site")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return (origin is None or origin == own) and site in (None, "same-origin")


@router.post("/dashboard/session", include_in_schema=False)
async def sign_in(request: Request, token: Annotated[str, Form(max_length=8192)]) -> Response:
    """The token, checked as every API call checks it, kept in an HttpOnly session cookie (gone with the browser)."""
    if not _from_this_page(request):
        raise HTTPException(403, detail={"sv": "Inloggningen kom inte från tavlan.",
                                         "en": "The sign-in did not come from the dashboard."})
    verifier: TokenVerifier = request.app.state.verifier
    try:
        staff = await run_in_threadpool(verifier.verify, token.strip())
    except jwt.PyJWTError:
        raise HTTPException(401, detail={"sv": "Ogiltig inloggning.", "en": "Invalid token."}) from None
    if staff.role not in READERS:
        raise HTTPException(403, detail={"sv": f"Rollen {staff.role} ser inga nyckeltal.",
                                         "en": f"Role {staff.role} sees no figures."})
    response = RedirectResponse("/dashboard", status_code=303, headers=HEADERS)
    response.set_cookie(TOKEN_COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/dashboard/signout", include_in_schema=False)
def sign_out() -> Response:
    response = RedirectResponse("/dashboard", status_code=303, headers=HEADERS)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response
