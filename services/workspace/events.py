"""Live updates: the notifications service's Server-Sent Events, relayed to the browser with the session's token.

The browser never holds the token, so it cannot open the notifications stream itself; this relay opens it for
the session, keeps only events of the page's case (when one is given) and passes the SSE id through, so a
reconnect resumes where it left off. A first connect starts at the stream's head: the page was just rendered
from the services, so only what happens next is news.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from services.workspace.ops import Ops
from services.workspace.web import Web


async def relay(web: Web, ops: Ops, token: str, last_id: str | None,
                case_id: str | None) -> AsyncIterator[dict[str, Any]]:
    ops.live_streams += 1
    try:
        async for event in _relay(web, token, last_id, case_id):
            yield event
    finally:
        ops.live_streams -= 1


async def _relay(web: Web, token: str, last_id: str | None, case_id: str | None) -> AsyncIterator[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {token}"}
    url = web.settings.notifications_url + "/api/stream"
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as http:
        if not last_id:
            head = await http.get(url + "/head", headers=auth)
            last_id = str(head.json()["seq"]) if head.status_code == 200 else "0"
        headers = {**auth, "Accept": "text/event-stream", "Last-Event-ID": last_id}
        async with http.stream("GET", url, headers=headers) as r:
            if r.status_code != 200:
                yield {"event": "refused", "data": json.dumps({"status": r.status_code})}
                return
            event: dict[str, str] = {}
            async for line in r.aiter_lines():
                if line.startswith(":"):
                    continue
                if line:
                    name, _, value = line.partition(":")
                    event[name] = value.removeprefix(" ")
                    continue
                if "data" in event and _wanted(event["data"], case_id):
                    yield {"id": event.get("id"), "event": event.get("event", "message"), "data": event["data"]}
                event = {}


def _wanted(data: str, case_id: str | None) -> bool:
    if not case_id:
        return True
    try:
        return bool(json.loads(data).get("case_id") == case_id)
    except ValueError:
        return False


def build_events(web: Web, ops: Ops) -> APIRouter:
    router = APIRouter()

    @router.get("/events")
    async def events(request: Request, case_id: str | None = None) -> EventSourceResponse:
        session = web.session(request, personal=False)
        return EventSourceResponse(relay(web, ops, session.token, request.headers.get("last-event-id"), case_id), ping=15)

    return router
