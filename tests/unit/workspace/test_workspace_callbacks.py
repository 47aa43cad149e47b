"""The call-back list in the workspace: listed without a number, taken by one person (a colleague is told it is
gone), the number kept on the server and shown on the call-back screen, reached goes on to the usual call."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.unit.intake.conftest import NOW, Intake
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace

NUMBER = "+46701740621"


@pytest.fixture
def intake_clock() -> None:
    return None  # make_intake's fixed clock: a Tuesday, 09:30


async def signed_in(app, role: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    c = browser_like(app)
    assert (await c.post("/signin", data={"role": role, "unit": "", "lang": "sv"})).status_code == 303
    return c


async def test_a_call_back_is_taken_by_one_person_rung_and_goes_on_as_the_usual_call(
        tmp_path: Path, intake: Intake) -> None:
    r = await intake.post("/api/telephony/callbacks", {
        "call_id": "full-1", "line": "public_1177", "reason": "queue_full", "number": NUMBER,
        "at": (NOW - timedelta(minutes=2)).isoformat()}, role="ops")
    assert r.status_code == 201, r.text
    callback_id = r.json()["callback_id"]
    app = workspace(tmp_path, intake)
    anna, bo = await signed_in(app, "clinician"), await signed_in(app, "call_handler")
    try:
        listed = (await anna.get("/queue/callbacks")).text
        assert f'data-callback="{callback_id}"' in listed and "Lovat 10:00–11:00" in listed and "Full kö" in listed
        assert "1740621" not in listed
        taken = await anna.post(f"/callbacks/{callback_id}/take")
        assert taken.status_code == 303
        screen = (await anna.get(taken.headers["location"])).text
        assert f'href="tel:{NUMBER}"' in screen and "Nådd – fortsätt samtalet" in screen
        lost = await bo.post(f"/callbacks/{callback_id}/take")
        assert lost.status_code == 409 and "En kollega tog återuppringningen före dig." in lost.text
        assert "1740621" not in lost.text
        assert "1740621" not in (await bo.get(taken.headers["location"])).text  # not Bo's session's number
        reached = await anna.post(f"/callbacks/{callback_id}/outcome", data={"outcome": "reached", "call": "full-1"})
        assert reached.status_code == 303 and reached.headers["location"] == "/calls/full-1"
        form = (await anna.get("/calls/full-1")).text
        assert re.search(rf'id="phone"[^>]*value="{re.escape(NUMBER)}"', form)
        assert "Inga återuppringningar väntar." in (await anna.get("/queue/callbacks")).text
    finally:
        await anna.aclose()
        await bo.aclose()


async def test_not_reached_puts_it_back_with_the_next_try_and_the_estimated_wait_is_shown(
        tmp_path: Path, intake: Intake) -> None:
    r = await intake.post("/api/telephony/callbacks", {
        "call_id": "chosen-1", "line": "public_1177", "reason": "chosen", "number": NUMBER,
        "at": (NOW - timedelta(minutes=2)).isoformat()}, role="ops")
    callback_id = r.json()["callback_id"]
    await intake.post("/api/telephony/staffing", {"at": NOW.isoformat(), "agents_signed_in": 3}, role="ops")
    app = workspace(tmp_path, intake)
    anna = await signed_in(app, "clinician")
    try:
        await anna.post(f"/callbacks/{callback_id}/take")
        back = await anna.post(f"/callbacks/{callback_id}/outcome", data={"outcome": "not_reached"})
        assert back.headers["location"] == "/queue"
        listed = (await anna.get("/queue/callbacks")).text
        assert "Försök 2" in listed and "Ring 10:00" in listed and "Valde &#39;ring upp mig&#39;" in listed
        assert "Beräknad väntetid i telefonkön" in listed and "3 inloggade" in listed
    finally:
        await anna.aclose()
