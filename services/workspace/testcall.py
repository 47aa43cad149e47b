"""The embedded default's test call: a button that plays the call platform and rings a call for the signed-in person.

Only built when the local sign-in is on (never in production, where calls come from the region's platform). The
call goes to intake through its public telephony API with the platform's own account (role ops), signed by the
embedded default's local issuer, exactly as `kontakt call` sends it.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from kontakt.callplatform import PlatformRefused, child_personnummer, plan_call, ring_async
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer
from services.workspace.web import Web, redirect

MAX_KEPT = 20  # test calls whose caller details a session keeps


def build_test_call(web: Web) -> APIRouter:
    router = APIRouter()
    s = web.settings
    issuer = LocalIssuer(s.issuer_dir(), issuer=s.auth_issuer, audience=s.auth_audience)
    rng = random.Random()

    @router.post("/calls/test")
    async def ring_test_call(request: Request) -> Response:
        session = web.session(request)
        now = datetime.now(UTC)  # the platform's own clock: the true time
        call = plan_call("answered", staff=session.staff.subject, rng=rng,
                         identity_number=child_personnummer(rng, now.astimezone(STOCKHOLM).date()), now=now)
        token = issuer.token("ops", subject="S-CALL-PLATFORM", ttl_s=60)
        try:
            await ring_async(call, s.intake_url, token, web.backend.http)
        except (PlatformRefused, httpx.HTTPError):
            return web.render(request, "queue.html", session, status=502, test_call=True, test_call_error=True)
        while len(session.test_calls) >= MAX_KEPT:
            session.test_calls.pop(next(iter(session.test_calls)))  # the oldest
        web.sessions.keep_test_call(session, call.call_id, {"phone": call.caller_number,
                                                            "identity_number": call.identity_number or ""})
        return redirect(request, "/queue")

    return router

