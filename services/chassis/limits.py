"""Body-size limits at the HTTP edge, enforced before anything parses the body: too large -> 413 problem.

Every route takes at most `default_bytes` (small JSON forms); a route may declare its own limit with
`openapi_extra={"x-max-body-bytes": n}` (scan uploads), which also tells callers in the OpenAPI document.
A declared Content-Length over the limit is refused before a byte is read; a body streamed without one
(chunked) is counted as it arrives and refused the moment it passes the limit.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.chassis.errors import PROBLEM_JSON, field_error, problem_body

LIMIT_KEY = "x-max-body-bytes"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        kib = max(1, limit // 1024)
        self.sv = f"Innehållet är för stort (högst {kib} KiB)."
        self.en = f"The request body is too large (at most {kib} KiB)."
        self.errors: list[dict[str, Any]] = [field_error("body", f"Högst {kib} KiB.", f"At most {kib} KiB.", "too_large")]
        super().__init__(413, detail={"sv": self.sv, "en": self.en, "errors": self.errors})
        self.limit = limit


def route_limits(routes: Sequence[Route]) -> list[tuple[re.Pattern[str], frozenset[str], int]]:
    """(path pattern, methods, bytes) of every route that declares its own limit."""
    out = []
    for r in routes:
        extra = getattr(r, "openapi_extra", None) or {}
        if LIMIT_KEY in extra:
            out.append((r.path_regex, frozenset(r.methods or ()), int(extra[LIMIT_KEY])))
    return out


class BodyLimit:
    """ASGI middleware: refuses request bodies over the route's limit with 413 application/problem+json."""

    def __init__(self, app: ASGIApp, default_bytes: int,
                 overrides: list[tuple[re.Pattern[str], frozenset[str], int]] | None = None) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.overrides = overrides if overrides is not None else []

    def limit_for(self, method: str, path: str) -> int:
        for pattern, methods, limit in self.overrides:
            if (not methods or method in methods) and pattern.match(path):
                return limit
        return self.default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    exc = BodyTooLarge(limit)
    body = json.dumps(problem_body(413, scope.get("path", ""), exc.errors, exc.sv, exc.en),
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
