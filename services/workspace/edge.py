"""The workspace's edge, before any route: security headers on every answer, body limits counted as the bytes
stream in (chunked or not), and every write checked for its origin and its CSRF token."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.workspace import csrf
from services.workspace.queue import MAX_SCAN_BYTES
from services.workspace.school import MAX_FORM_BYTES
from services.workspace.sessions import COOKIE
from services.workspace.units import MAX_CALENDAR_BYTES
from services.workspace.web import Web, refusal_page

# Everything the browser loads comes from here: no CDN, no inline script (htmx reads its config from a meta tag).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin",
           "cross-origin-opener-policy": "same-origin", "x-frame-options": "DENY"}
FORM_OVERHEAD = 64 * 1024  # the text fields and multipart boundaries around an upload
UPLOADS = ((re.compile(r"^/skola/ny$"), MAX_FORM_BYTES),
           (re.compile(r"^/referrals/paper$"), MAX_SCAN_BYTES + FORM_OVERHEAD),
           (re.compile(r"^/unit/[^/]{1,80}/import$"), MAX_CALENDAR_BYTES + FORM_OVERHEAD))
LOCAL_SIGNIN = ("/signin", "/skola/signin")
PRE_STATE = "csrf_pre"  # a pre-session secret made for this request, for the page rendered in it


class BodyTooLarge(HTTPException):
    """The body went past its route's limit while streaming in: nothing beyond the limit is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413)
        self.limit = limit


def limit_of(path: str, default: int) -> int:
    return next((most for pattern, most in UPLOADS if pattern.match(path)), default)


def secure(headers: MutableHeaders, csp: str = CSP) -> None:
    """The security headers every answer carries (a route's own CSP, e.g. a document's sandbox, is kept)."""
    headers.setdefault("content-security-policy", csp)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if headers.get("content-type", "").startswith("text/html"):
        headers["cache-control"] = "no-store"  # pages with personal data stay out of the disk cache


def _loopback(scope: Scope) -> bool:
    """The peer and the Host header are both this machine (the Host guards against DNS rebinding)."""
    host = (Headers(scope=scope).get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
    peer = (scope.get("client") or ("", 0))[0]
    return _is_loopback(peer) and (host == "localhost" or host.endswith(".localhost") or _is_loopback(host))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Edge:
    """Pure ASGI (the body is counted as it streams; a BaseHTTPMiddleware would buffer or hide it)."""

    def __init__(self, app: ASGIApp, web: Web, csp: str = CSP) -> None:
        self.app = app
        self.web = web
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not Request(scope).cookies.get(csrf.PRE_COOKIE):
            scope.setdefault("state", {})[PRE_STATE] = csrf.new_pre_secret()
        send = self._with_headers(scope, send)
        limit = limit_of(scope["path"], self.web.settings.max_body_bytes)
        declared = headers.get("content-length") or "0"
        if not declared.isdigit():
            await self._refuse(scope, send, 400, ("Begäran gick inte att läsa.", "The request could not be read."))
            return
        try:
            if int(declared) > limit:  # said at once; a chunked body is counted below as it streams
                raise BodyTooLarge(limit)
            receive = _counted(receive, limit)
            if scope["method"] in csrf.WRITES:
                checked = await self._checked_write(scope, receive, send)
                if checked is None:
                    return
                receive = checked
            await self.app(scope, receive, send)
        except BodyTooLarge as exc:
            if not scope.get("state", {}).get("response_started"):
                await self._refuse(scope, send, 413, too_large(exc.limit))

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                scope.setdefault("state", {})["response_started"] = True
                out = MutableHeaders(scope=message)
                secure(out, self.csp)
                made = scope["state"].get(PRE_STATE)
                if made and out.get("content-type", "").startswith("text/html"):
                    flags = "; Secure" if self.web.settings.secure_cookie() else ""
                    out.append("set-cookie", f"{csrf.PRE_COOKIE}={made}; Path=/; HttpOnly; SameSite=Strict{flags}")
            await send(message)
        return sending

    async def _checked_write(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """The write's origin and token; on refusal the answer is sent and None returned."""
        headers = Headers(scope=scope)
        if self.web.settings.local_signin and scope["path"] in LOCAL_SIGNIN and not _loopback(scope):
            await self._refuse(scope, send, 403, ("Den lokala inloggningen finns bara på den här datorn (localhost).",
                                                  "The local sign-in exists only on this computer (localhost)."))
            return None
        if not csrf.same_origin(headers.get("origin"), headers.get("sec-fetch-site"), headers.get("referer"),
                                self.own_origins(scope)):
            await self._refuse(scope, send, 403, ("Begäran kom inte från arbetsytans egna sidor och togs inte emot.",
                                                  "The request did not come from the workspace's own pages and was "
                                                  "not accepted."))
            return None
        sent, replay = headers.get(csrf.HEADER), receive
        if sent is None and csrf.is_form(headers.get("content-type", "")):
            head, replay = await _peek(receive, whole=headers.get("content-type", "").startswith("application/x-www"))
            sent = csrf.form_token(headers.get("content-type", ""), head)
        if not self.token_fits(scope, sent):
            await self._refuse(scope, send, 403, ("Sidan var för gammal eller saknade sin säkerhetskod. Ladda om "
                                                  "sidan och försök igen.", "The page was too old or lacked its "
                                                  "security code. Reload the page and try again."))
            return None
        return replay

    def own_origins(self, scope: Scope) -> set[str]:
        """The workspace's address as browsers reach it (`public_url`), else the request's own scheme and Host."""
        public = urlsplit(self.web.settings.public_url)
        if public.scheme and public.netloc:
            return {f"{public.scheme}://{public.netloc}"}
        return {f"{scope['scheme']}://{Headers(scope=scope).get('host', '')}"}

    def token_fits(self, scope: Scope, sent: str | None) -> bool:
        """The session's token while it lives; before sign-in (or once it ended) the pre-session cookie's."""
        cookies = Request(scope).cookies
        sid = cookies.get(COOKIE)
        if sid and self.web.sessions.get(sid) is not None:
            return csrf.matches(sent, sid)
        return csrf.matches(sent, sid) or csrf.matches(sent, cookies.get(csrf.PRE_COOKIE))

    async def _refuse(self, scope: Scope, send: Send, status: int, texts: tuple[str, str]) -> None:
        async def nothing() -> Message:
            return {"type": "http.disconnect"}
        response = refusal_page(self.web, Request(scope), status, texts)
        await response(scope, nothing, send)


def too_large(limit: int) -> tuple[str, str]:
    size = f"{limit / 1024 / 1024:.1f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
    return (f"Det som skickades är för stort (högst {size}).", f"What was sent is too large (at most {size}).")


def _counted(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message
    return counting


async def _peek(receive: Receive, whole: bool) -> tuple[bytes, Receive]:
    """The body's head (all of a urlencoded form, the first KiBs of a multipart one) and a receive that replays it."""
    taken: list[Message] = []
    size, more = 0, True
    while more and (whole or size < csrf.HEAD_BYTES):
        message = await receive()
        taken.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        more = bool(message.get("more_body"))
    head = b"".join(m.get("body", b"") for m in taken if m["type"] == "http.request")

    async def replaying() -> Message:
        return taken.pop(0) if taken else await receive()
    return head, replaying



class Before:
    """A step run on each HTTP request before the route, as plain ASGI: the request body passes through untouched,
    so the edge's body limit still answers 413 (Starlette's `@app.middleware` wraps `receive` and turned it into
    an exception group, a 500)."""

    def __init__(self, app: ASGIApp, step: Callable[[Request], Awaitable[None]]) -> None:
        self.app, self.step = app, step

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.step(Request(scope))
        await self.app(scope, receive, send)
