"""The embedded default's test call: a button that plays the call platform and rings a call for the signed-in person.

Only built when the local sign-in is on (never in production, where calls come from the region's platform). The
call goes to intake through its public telephony API with the platform's own account (role ops), signed by the
embedded default's local issuer, exactly as `kontakt call` sends it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from kontakt.callplatform import PlatformRefused, child_personnummer, plan_call, ring_async
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer
from services.workspace.settings import WorkspaceSettings
from services.workspace.web import WebDep, redirect

MAX_KEPT = 20  # test calls whose caller details a session keeps


@dataclass
class Platform:
    """The call platform the test call plays: its token signed by the local issuer, its own random callers."""

    issuer: LocalIssuer
    rng: random.Random = field(default_factory=random.Random)


def platform_of(s: WorkspaceSettings) -> Platform:
    return Platform(LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience))


async def the_platform(request: Request) -> Platform:
    """The test call's platform, kept on the app by app.py (only with the local sign-in on)."""
    platform: Platform = request.app.state.test_call
    return platform


PlatformDep = Annotated[Platform, Depends(the_platform)]
router = APIRouter()


@router.post("/calls/test")
async def ring_test_call(request: Request, web: WebDep, platform: PlatformDep,
                         scenario: str = Form("answered")) -> Response:
    """An answered call put through to the signed-in person, or (queue_full) a caller who met a full queue
    and asked for a call-back: it appears on the call-back list."""
    session = web.session(request)
    now = datetime.now(UTC)  # the platform's own clock: the true time
    call = plan_call("queue_full" if scenario == "queue_full" else "answered", staff=session.staff.subject,
                     rng=platform.rng, identity_number=child_personnummer(platform.rng, now.astimezone(STOCKHOLM).date()),
                     now=now)
    token = platform.issuer.token("ops", subject="S-CALL-PLATFORM", ttl_s=60)
    try:
        await ring_async(call, web.settings.intake_url, token, web.backend.http)
    except (PlatformRefused, httpx.HTTPError):
        return web.render(request, "queue.html", session, status=502, test_call=True, test_call_error=True)
    if not call.reaches_staff:  # a call-back asked for: its number comes with taking it
        return redirect(request, "/queue")
    while len(session.test_calls) >= MAX_KEPT:
        session.test_calls.pop(next(iter(session.test_calls)))  # the oldest
    web.sessions.keep_test_call(session, call.call_id, {"phone": call.caller_number,
                                                        "identity_number": call.identity_number or ""})
    return redirect(request, "/queue")
