"""Return with advice on the case screen: offered to a clinician on a case that came by referral, refused at its
field when the advice is missing, and once returned the case shows the reason and the advice."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests.unit.intake.conftest import Intake
from tests.unit.intake.helpers import edi_form, pnr
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace


async def test_a_clinician_returns_a_referral_from_the_case_screen(tmp_path: Path, intake: Intake) -> None:
    today = intake.clock.at.date()
    born = today.replace(day=1) - timedelta(days=365 * 10)
    r = await intake.post("/api/referrals", edi_form(pnr(born), authored=today.isoformat()), role="ops")
    case_id = r.json()["case_id"]
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
        page = (await c.get(f"/cases/{case_id}")).text
        assert 'id="return-panel"' in page
        panel = (await c.get(f"/cases/{case_id}/return")).text
        assert re.search(r'<option value="advice_enough"\s*>Råd till remittenten räcker', panel)
        refused = await c.post(f"/cases/{case_id}/return", data={"reason": "advice_enough", "advice": ""})
        assert refused.status_code == 422 and 'id="err-advice"' in refused.text
        done = await c.post(f"/cases/{case_id}/return", data={
            "reason": "advice_enough", "advice": "Sömnråd räcker; hör av er om det inte blir bättre."})
        assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}?returned=1"
        closed = (await c.get(done.headers["location"])).text
        assert 'id="case-returned"' in closed and "Sömnråd räcker" in closed
        assert 'id="return-panel"' not in closed and "Avslutat" in closed


async def test_a_case_from_a_call_has_no_return_panel(tmp_path: Path, intake: Intake) -> None:
    at = intake.clock.at - timedelta(minutes=3)
    for i, step in enumerate(("CallOffered", "CallAnswered")):
        await intake.post("/api/telephony/events", {"call_id": "c-noret", "line": "public_1177", "step": step,
                                                    "at": (at + timedelta(minutes=i)).isoformat()}, role="ops")
    born = intake.clock.at.date().replace(day=1) - timedelta(days=365 * 9)
    case_id = (await intake.post("/api/cases/from-call", {"call_id": "c-noret", "source": "guardian", "child": {
        "identity_number": pnr(born), "municipality": "Umeå"}})).json()["case_id"]
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
        assert 'id="return-panel"' not in (await c.get(f"/cases/{case_id}")).text
