"""Composition root of the staff workspace: settings, the services' client, sessions, pages, static files."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.chassis.db import make_engine
from services.workspace.backend import Backend
from services.workspace.board import build_board
from services.workspace.booking import build_booking
from services.workspace.call import build_call
from services.workspace.checkins import build_checkins
from services.workspace.events import build_events
from services.workspace.family import build_family
from services.workspace.oidc import Oidc, flow_cookie_options
from services.workspace.ops import Ops, build_ops
from services.workspace.queue import build_queue
from services.workspace.returns import build_returns
from services.workspace.school import build_school
from services.workspace.sessions import HOME, Sessions, cipher
from services.workspace.settings import WorkspaceSettings
from services.workspace.signin import build_signin
from services.workspace.testcall import build_test_call
from services.workspace.units import build_units
from services.workspace.web import NotForRole, SignInNeeded, Web, make_templates, redirect
from services.workspace.work import build_work

STATIC = Path(__file__).parent / "static"
ASSET_PATHS = ("/static/", "/vendor/", "/health/")  # no session work for these
# Everything the browser loads comes from here: no CDN, no inline script (htmx reads its config from a meta tag).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


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
    ops = Ops()
    ops.instrument(app)
    csp = CSP if oidc is None else with_form_action(CSP, oidc.issuers())
    vendor = vendor_files(settings)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"  # pages with personal data stay out of the disk cache
        return response

    @app.middleware("http")
    async def unit_names(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Every page names units by name: the names are read once, before the first signed-in page."""
        if not web.units.names and (session := web.current(request)) and not session.is_family:
            await web.units.load(session)
        response: Response = await call_next(request)
        return response

    if oidc is not None:
        app.add_middleware(SessionMiddleware, **flow_cookie_options(settings))

        @app.middleware("http")
        async def fresh_tokens(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if not request.url.path.startswith(ASSET_PATHS):
                await oidc.keep_fresh(request)
            return await call_next(request)

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
        return web.render(request, "refused.html", session, status=403)

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
    for router in (build_signin(web), build_events(web, ops), build_queue(web), build_call(web), build_work(web),
                   build_booking(web), build_units(web), build_board(web), build_school(web), build_family(web),
                   build_ops(web, ops), build_returns(web), build_checkins(web)):
        app.include_router(router)
    if settings.local_signin:  # the embedded default's test call; production has the region's call platform
        app.include_router(build_test_call(web))
    return settings, app
