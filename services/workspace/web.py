"""What every page needs: the signed-in session, rendering in the person's language, refusals shown kindly."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from contracts.labels import choices
from services.chassis.clock import STOCKHOLM
from services.workspace import csrf
from services.workspace.backend import Backend, Refused
from services.workspace.i18n import days_left_text, labeller, translator
from services.workspace.oidc import Oidc
from services.workspace.sessions import COOKIE, HOME, Session, Sessions
from services.workspace.settings import WorkspaceSettings

TEMPLATES = Path(__file__).parent / "templates"
# who a page is for, by its template's name: families and schools meet the contact centre, not a staff workspace
AUDIENCES = (("family_", "ko_brand"), ("checkin", "ko_brand"), ("kontakt_", "ko_brand"), ("school_", "school_brand"))


class SignInNeeded(Exception):
    """No (live) session: the person is sent to sign in."""


class NotForRole(Exception):
    """The page shows personal data and the role sees none."""


def local_time(value: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "–"
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if len(str(value)) == 10:  # a date: no time zone to convert
        return dt.strftime(fmt)
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(STOCKHOLM).strftime(fmt)


NAV = {
    "call_handler": [("nav_queue", "/queue"), ("nav_paper", "/referrals/paper")],
    "clinician": [("nav_queue", "/queue"), ("nav_paper", "/referrals/paper"), ("nav_meeting", "/meeting")],
    "kc_head": [("nav_queue", "/queue"), ("nav_meeting", "/meeting"), ("nav_unit", "/unit"), ("nav_board", "/board"),
                ("nav_forecast", "/forecast")],
    "coordinator": [("nav_board", "/board"), ("nav_queue", "/queue"), ("nav_paper", "/referrals/paper")],
    "scheduler": [("nav_unit", "/unit"), ("nav_meeting", "/meeting")],
    "unit_head": [("nav_unit", "/unit"), ("nav_meeting", "/meeting")],
    "school_sender": [("nav_school_list", "/skola"), ("nav_school_new", "/skola/ny")],
}


class UnitNames:
    """Units by name, as booking lists them: read once with the first signed-in person's token, then kept."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.names: dict[str, str] = {}
        self.units: list[dict[str, Any]] = []

    async def load(self, session: Session) -> None:
        if self.names:
            return
        try:
            self.units = await self.backend.get(session, "booking", "/api/units")
        except Refused:
            return  # a role booking shows no units to (school, KPI): its pages name none
        self.names = {u["unit_id"]: u["name"] for u in self.units}

    def __call__(self, unit_id: str | None) -> str:
        return self.names.get(unit_id, unit_id) if unit_id else "–"


@dataclass
class Web:
    settings: WorkspaceSettings
    sessions: Sessions
    backend: Backend
    templates: Jinja2Templates
    oidc: Oidc | None = None
    units: UnitNames = field(init=False)
    # messages that outlive one redirect (post/redirect/get), by session id; taken once
    flash: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.units = UnitNames(self.backend)

    def current(self, request: Request) -> Session | None:
        """The request's session: as the refresh step before the route left it, else from the store."""
        if hasattr(request.state, "session"):
            found: Session | None = request.state.session
            return found
        return self.sessions.get(request.cookies.get(COOKIE))

    def session(self, request: Request, personal: bool = True) -> Session:
        s = self.current(request)
        if s is None:
            raise SignInNeeded()
        if s.is_family or (personal and not s.sees_personal_data):
            raise NotForRole()
        return s

    def set_cookie(self, response: Response, session: Session) -> Response:
        """The session's cookie: HttpOnly, SameSite=Strict, no Max-Age (it goes when the browser closes), Secure
        unless the workspace listens on loopback only."""
        response.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict", secure=self.settings.secure_cookie(),
                            path="/")
        return response

    def render(self, request: Request, name: str, session: Session | None, status: int = 200,
               **ctx: Any) -> HTMLResponse:
        lang = session.lang if session else ctx.pop("lang", None) or request.query_params.get("lang", "sv")
        lang = lang if lang in ("sv", "en") else "sv"
        t = translator(lang)
        base = {"t": t, "label": labeller(lang), "lang": lang, "days_left": lambda d: days_left_text(t, d),
                "choices": lambda kind: choices(kind, lang), "session": session,
                "staff": session.staff if session else None, "local_time": local_time, "unit_name": self.units,
                "quoted_as_code": quoted_as_code,
                "nav": NAV.get(session.staff.role, []) if session else [], "path": request.url.path,
                "home": HOME.get(session.staff.role, "/") if session else "/", "csrf": self.csrf_token(request),
                "brand": next((b for prefix, b in AUDIENCES if name.startswith(prefix)), None)}
        return self.templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status)

    def csrf_token(self, request: Request) -> str:
        """The token the page's writes must carry: the live session's, else this browser's pre-session one."""
        live = self.current(request)
        if live is not None:
            return csrf.token_for(live.sid)
        pre = request.cookies.get(csrf.PRE_COOKIE) or request.scope.get("state", {}).get("csrf_pre")
        return csrf.token_for(pre) if pre else ""

    def errors_text(self, session: Session, refused: Refused) -> dict[str, str]:
        """Field -> message in the person's language (Swedish by default); never empty, so never a blank answer."""
        texts = {f: (e.get("en") if session.lang == "en" else e.get("sv")) or "" for f, e in refused.by_field().items()}
        if not any(texts.values()):
            sv, en = said_for(refused.status)
            texts = {"form": en if session.lang == "en" else sv}
        return texts


def said_for(status: int) -> tuple[str, str]:
    """What a refusal that gave no reason of its own says, by its status."""
    if status in (401, 403):
        return "Din roll får inte se eller göra detta.", "Your role may not see or do this."
    if status == 404:
        return "Det finns inte (eller inte för dig).", "It does not exist (or not for you)."
    return f"Det gick inte (fel {status}). Försök igen.", f"That did not work (error {status}). Try again."


def refusal_page(web: Web, request: Request, status: int, texts: tuple[str, str] | None = None) -> HTMLResponse:
    """A refusal as a whole page, or as a fragment when htmx asked for one: always with its reason."""
    session = web.current(request)
    sv, en = texts or said_for(status)
    lang = session.lang if session else request.query_params.get("lang", "sv")
    errors = {"form": en if lang == "en" else sv}
    name = "_refused.html" if request.headers.get("HX-Request") else "refused.html"
    title = "refused" if status in (401, 403) else "not_done"
    return web.render(request, name, session, status=status, errors=errors, title=title)


def quoted_as_code(text: str) -> Markup:
    """A service's message with its quoted values ('psychologist') shown as what to type in the file: <code>."""
    return Markup(re.sub(r"'([^'<>&\"]{1,60})'", r"<code>\1</code>", str(escape(text)).replace("&#39;", "'")))


def redirect(request: Request, url: str) -> Response:
    """A full-page move, for a normal request or an htmx one."""
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def make_templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES))


async def the_web(request: Request) -> Web:
    """The workspace's parts, put on the app by app.py: what every route is given through `WebDep`."""
    web: Web = request.app.state.web
    return web


WebDep = Annotated[Web, Depends(the_web)]
