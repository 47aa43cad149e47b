"""Composition root of the staff workspace: settings, the services' client, sessions, pages, static files."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.chassis.db import make_engine
from services.workspace.backend import Backend, Refused
from services.workspace.board import router as board
from services.workspace.booking import router as booking
from services.workspace.call import router as call
from services.workspace.callbacks import router as callbacks
from services.workspace.edge import CSP, Before, BodyTooLarge, Edge, secure, too_large
from services.workspace.events import router as events
from services.workspace.family import router as family
from services.workspace.kontakt import door_of
from services.workspace.kontakt import router as kontakt
from services.workspace.oidc import Oidc, flow_cookie_options
from services.workspace.ops import Ops
from services.workspace.ops import router as ops_routes
from services.workspace.queue import router as queue
from services.workspace.school import SchoolSignIn
from services.workspace.school import router as school
from services.workspace.sessions import HOME, Sessions, cipher
from services.workspace.settings import WorkspaceSettings
from services.workspace.signin import LocalSignIn
from services.workspace.signin import router as signin
from services.workspace.testcall import platform_of
from services.workspace.testcall import router as test_call
from services.workspace.units import router as units
from services.workspace.web import NotForRole, SignInNeeded, Web, make_templates, redirect, refusal_page
from services.workspace.work import Instruments
from services.workspace.work import router as work

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
    backend = Backend(settings.urls(), settings.upstream_timeout_s)
    sessions = Sessions(make_engine(settings.resolved_database_url()), cipher(settings.session_key_list()),
                        settings.session_idle_s, settings.session_max_s)
    oidc = Oidc(settings, sessions) if settings.oidc_issuer else None
    web = Web(settings, sessions, backend, make_templates(), oidc)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await backend.aclose()
        sessions.dispose()

    app = FastAPI(title="En väg in — staff workspace", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.web = web
    app.state.instruments = Instruments(web)
    app.state.kontakt = door_of(settings)
    app.state.school_signin = SchoolSignIn(web) if settings.local_signin else None
    app.state.local_signin = LocalSignIn(web) if settings.local_signin else None
    app.state.ops = ops = Ops()
    ops.instrument(app)
    csp = CSP if oidc is None else with_form_action(CSP, oidc.issuers())
    vendor = vendor_files(settings)

    async def unit_names(request: Request) -> None:
        """Every page names units by name: the names are read once, before the first signed-in page."""
        if not web.units.names and (session := web.current(request)) and not session.is_family:
            await web.units.load(session)

    app.add_middleware(Before, step=unit_names)

    if oidc is not None:
        app.add_middleware(SessionMiddleware, **flow_cookie_options(settings))

        async def fresh_tokens(request: Request) -> None:
            if not request.url.path.startswith(ASSET_PATHS):
                await oidc.keep_fresh(request)

        app.add_middleware(Before, step=fresh_tokens)

    app.add_middleware(Edge, web=web, csp=csp)  # added last, so outermost: before any session or token work
    refusals(app, web, csp)

    @app.get("/")
    async def home(request: Request) -> Response:
        session = web.current(request)
        return redirect(request, HOME.get(session.staff.role, "/signin") if session else "/signin")

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        missing = [name for name, path in vendor.items() if not Path(path).exists()]
        body = {"status": "not ready" if missing else "ready", "missing_assets": missing}
        return JSONResponse(body, status_code=503 if missing else 200)

    @app.get("/vendor/{name}")
    async def vendor_file(name: str) -> Response:
        if name not in vendor:
            return Response(status_code=404)
        return FileResponse(vendor[name], media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in (signin, events, queue, call, callbacks,
                   work, kontakt, booking, units, board,
                   school, family, ops_routes):
        app.include_router(router)
    if settings.local_signin:  # the embedded default's test call; production has the region's call platform
        app.state.test_call = platform_of(settings)
        app.include_router(test_call)
    return settings, app


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
