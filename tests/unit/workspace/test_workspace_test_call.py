"""The embedded default's test-call button: only where the local sign-in is on, it rings a call for the signed-in
person through intake's public telephony API, and the call's form holds what the phone showed."""
from __future__ import annotations

import re
from pathlib import Path

from services.chassis.auth import Staff
from services.chassis.issuer import LocalIssuer
from services.workspace.sessions import COOKIE
from tests.unit.intake.conftest import Intake
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace

LABEL_SV, LABEL_EN = "Testsamtal (inbyggd standardmiljö)", "Test call (embedded default)"



async def test_the_button_rings_a_call_for_the_signed_in_person_and_fills_in_the_call(
        tmp_path: Path, intake: Intake) -> None:
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        assert (await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})).status_code == 303
        page = await c.get("/queue")
        assert LABEL_SV in page.text and 'action="/calls/test"' in page.text
        rung = await c.post("/calls/test")
        assert rung.status_code == 303 and rung.headers["location"] == "/queue"
        calls = (await c.get("/queue/calls")).text
        call_id = re.search(r'data-call="([^"]+)"', calls).group(1)  # type: ignore[union-attr]
        form = (await c.get(f"/calls/{call_id}")).text
        await c.post("/lang")
        assert LABEL_EN in (await c.get("/queue")).text
    steps = (await intake.get(f"/api/calls/{call_id}", role="ops")).json()["steps"]
    assert [s["step"] for s in steps] == ["CallOffered", "CallQueued", "CallAnswered"]
    phone = re.search(r'id="phone"[^>]*value="(\+4670\d{7})"', form)
    pnr = re.search(r'id="identity_number"[^>]*value="(\d{8}-\d{4})"', form)
    assert phone and pnr  # what the phone showed, ready in the form; intake's call has neither
    assert phone.group(1) not in str(steps) and pnr.group(1) not in str(steps)


async def test_the_button_and_its_route_exist_only_on_the_embedded_default(tmp_path: Path) -> None:
    app = workspace(tmp_path, None, local_signin=False)  # production: signed in through the region's OIDC
    staff = Staff("S-OIDC-1", "clinician", None, True)
    session = app.state.web.sessions.open(LocalIssuer(tmp_path / "keys").token("clinician"), staff)
    async with browser_like(app, cookies={COOKIE: session.sid}) as c:
        page = await c.get("/queue")
        assert page.status_code == 200 and "Inkommande samtal" in page.text
        assert LABEL_SV not in page.text and "/calls/test" not in page.text
        assert (await c.post("/calls/test")).status_code in (404, 405)
