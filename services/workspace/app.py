"""Composition root of the staff workspace: settings, the services' client, sessions, pages, static files."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.chassis.db import make_engine
from services.workspace import (
    board,
    booking,
    call,
    callbacks,
    checkins,
    events,
    family,
    forecast,
    kontakt,
    ops,
    queue,
    returns,
    school,
    signin,
    testcall,
    units,
    work,
)
from services.workspace.backend import Backend, Refused
from services.workspace.edge import CSP, Before, BodyTooLarge, Edge, secure, too_large
from services.workspace.oidc import Oidc, flow_cookie_options
from services.workspace.sessions import HOME, Sessions, cipher
from services.workspace.settings import WorkspaceSettings
from services.workspace.web import NotForRole, SignInNeeded, Web, WebDep, make_templates, redirect, refusal_page

STATIC = Path(__file__).parent / "static"
ASSET_PATHS = ("/static/", "/vendor/", "/health/")  # no session work for these


def with_form_action(csp: str, origins: list[str]) -> str:
    """Sign-out posts a form that the workspace redirects to the provider's end-session page: a browser holds
    a form's redirect to form-action too, so the provider's origin is named there (and nowhere else)."""
    return csp.replace("form-action 'self'", " ".join(["form-action 'self'", *origins]))


def vendor_files(settings: WorkspaceSettings) -> dict[str, str]:
    """The npm packages' files the pages load, served from the local node_modules (`npm ci` in `make install`)."""
    v = settings.vendor_dir
    return {"htmx.min.js": str(v / "htmx.org/dist/htmx.min.js"), "sse.js": str(v / "htmx-ext-sse/dist/sse.min.js")}


def build(settings: WorkspaceSettings | None = None) -> tuple[WorkspaceSettings, FastAPI]:
    settings = settings or WorkspaceSettings()
    web = make_web(settings)
    app = FastAPI(title="En väg in — staff workspace", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    keep_parts(app, web)
    csp = CSP if web.oidc is None else with_form_action(CSP, web.oidc.issuers())
    before_routes(app, web, csp)
    refusals(app, web, csp)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        app.include_router(router)
    if settings.local_signin:  # the embedded default's test call; production has the region's call platform
        app.state.test_call = testcall.platform_of(settings)
        app.include_router(testcall.router)
    return settings, app


def make_web(settings: WorkspaceSettings) -> Web:
    """What every route is given: the settings, the sessions, the services' client, the pages, the provider."""
    backend = Backend(settings.urls(), settings.upstream_timeout_s)
    sessions = Sessions(make_engine(settings.resolved_database_url()), cipher(settings.session_key_list()),
                        settings.session_idle_s, settings.session_max_s)
    oidc = Oidc(settings, sessions) if settings.oidc_issuer else None
    return Web(settings, sessions, backend, make_templates(), oidc)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    web: Web = app.state.web
    await web.backend.aclose()
    web.sessions.dispose()


def keep_parts(app: FastAPI, web: Web) -> None:
    """What the routers keep between requests, each read by its router's own dependency. The metrics' middleware is
    added here, before the steps in before_routes, so it stays innermost."""
    app.state.web = web
    app.state.instruments = work.Instruments(web)
    app.state.kontakt = kontakt.door_of(web.settings)
    app.state.school_signin = school.SchoolSignIn(web) if web.settings.local_signin else None
    app.state.local_signin = signin.LocalSignIn(web) if web.settings.local_signin else None
    metrics = ops.Ops()
    metrics.instrument(app)
    app.state.ops = metrics


def before_routes(app: FastAPI, web: Web, csp: str) -> None:
    """The steps before every route, the last added outermost: the edge, then (with OIDC) fresh tokens and the
    sign-in flow's cookie, then the unit names."""
    oidc = web.oidc

    async def unit_names(request: Request) -> None:
        """Every page names units by name: the names are read once, before the first signed-in page."""
        if not web.units.names and (session := web.current(request)) and not session.is_family:
            await web.units.load(session)

    app.add_middleware(Before, step=unit_names)

    if oidc is not None:
        app.add_middleware(SessionMiddleware, **flow_cookie_options(web.settings))

        async def fresh_tokens(request: Request) -> None:
            if not request.url.path.startswith(ASSET_PATHS):
                await oidc.keep_fresh(request)

        app.add_middleware(Before, step=fresh_tokens)

    app.add_middleware(Edge, web=web, csp=csp)  # added last, so outermost: before any session or token work


root = APIRouter()


@root.get("/")
async def home(request: Request, web: WebDep) -> Response:
    session = web.current(request)
    return redirect(request, HOME.get(session.staff.role, "/signin") if session else "/signin")


@root.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@root.get("/health/ready")
async def ready(web: WebDep) -> JSONResponse:
    vendor = vendor_files(web.settings)
    missing = [name for name, path in vendor.items() if not Path(path).exists()]
    body = {"status": "not ready" if missing else "ready", "missing_assets": missing}
    return JSONResponse(body, status_code=503 if missing else 200)


@root.get("/vendor/{name}")
async def vendor_file(name: str, web: WebDep) -> Response:
    vendor = vendor_files(web.settings)
    if name not in vendor:
        return Response(status_code=404)
    return FileResponse(vendor[name], media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})


ROUTERS = (root, signin.router, events.router, queue.router, call.router, callbacks.router, work.router,
           kontakt.router, booking.router, units.router, board.router, school.router, family.router, ops.router,
           returns.router, checkins.router, forecast.router)


def refusals(app: FastAPI, web: Web, csp: str) -> None:
    """Every refusal a page (or an htmx fragment) with its reason and the security headers: never a bare 500."""

    @app.exception_handler(SignInNeeded)
    async def _signin(request: Request, _: SignInNeeded) -> Response:
        # student health signs in at its own door (pick the school), not at the staff sign-in
        school = request.url.path.startswith("/skola") and not request.url.path.startswith("/skola/cases")
        return redirect(request, "/skola/signin" if school else "/signin")

    @app.exception_handler(NotForRole)
    async def _not_for_role(request: Request, _: NotForRole) -> Response:
        session = web.current(request)
        if session is not None and session.is_family:
            return redirect(request, "/familj")
        if request.headers.get("HX-Request"):
            return refusal_page(web, request, 403)
        return web.render(request, "refused.html", session, status=403)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        """A service's no that a route did not turn into its own answer (e.g. another unit's waiting list)."""
        first = next(iter(exc.by_field().values()), {})
        texts = (first.get("sv", ""), first.get("en", "")) if first.get("sv") else None
        return refusal_page(web, request, exc.status if 400 <= exc.status < 600 else 502, texts)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return refusal_page(web, request, 413, too_large(exc.limit))

    @app.exception_handler(Exception)
    async def _failed(request: Request, exc: Exception) -> Response:
        """Answered outside the edge middleware (Starlette's outermost layer, which then logs the error), so the
        headers are set here."""
        response = refusal_page(web, request, 500, ("Något gick fel hos oss. Försök igen om en stund.",
                                                    "Something went wrong on our side. Try again shortly."))
        secure(response.headers, csp)
        return response
