"""The family's language on the workspace's screens: asked on the call's form, sent to intake, shown on the case
and in the queue with a badge when an interpreter is needed; a refused answer is shown at its field."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.unit.intake.conftest import Intake
from tests.unit.intake.helpers import pnr
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace


async def _answered_call(intake: Intake, call_id: str) -> None:
    at = intake.clock.at - timedelta(minutes=3)
    for i, step in enumerate(("CallOffered", "CallAnswered")):
        r = await intake.post("/api/telephony/events", {"call_id": call_id, "line": "public_1177", "step": step,
                                                         "at": (at + timedelta(minutes=i)).isoformat()}, role="ops")
        assert r.status_code == 201, r.text


async def test_the_call_form_asks_the_language_and_the_case_and_queue_show_it(tmp_path: Path,
                                                                              intake: Intake) -> None:
    await _answered_call(intake, "c-ws-lang")
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "call_handler", "unit": "", "lang": "sv"})
        form = (await c.get("/calls/c-ws-lang")).text
        assert 'name="language"' in form and re.search(r'<option value="ti"\s*>tigrinja</option>', form)
        assert 'name="interpreter_needed"' in form
        born = datetime.now(UTC).date().replace(day=1) - timedelta(days=365 * 10)
        r = await c.post("/calls/c-ws-lang/case", data={
            "identity_number": pnr(born), "municipality": "Umeå", "source": "guardian", "language": "ti",
            "interpreter_needed": "yes"})
        assert r.status_code == 303, r.text
        case_id = re.search(r"/cases/(C-[0-9A-Z]+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
        case = (await c.get(f"/cases/{case_id}")).text
        shown = re.search(r'id="family-language">(.*?)</dd>', case, re.S).group(1)  # type: ignore[union-attr]
        assert "tigrinja" in shown and "behöver tolk" in shown
        queue = (await c.get("/queue/cases")).text
        row = re.search(rf'data-case="{case_id}">(.*?)</tr>', queue, re.S).group(1)  # type: ignore[union-attr]
        assert "tigrinja" in row and 'class="badge interpreter"' in row
        await c.post("/lang")
        assert "Tigrinya" in (await c.get(f"/cases/{case_id}")).text


async def test_an_interpreter_without_a_language_is_refused_at_its_field(tmp_path: Path, intake: Intake) -> None:
    await _answered_call(intake, "c-ws-lang-2")
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "call_handler", "unit": "", "lang": "sv"})
        born = datetime.now(UTC).date().replace(day=1) - timedelta(days=365 * 9)
        r = await c.post("/calls/c-ws-lang-2/case", data={
            "identity_number": pnr(born), "municipality": "Umeå", "source": "guardian", "interpreter_needed": "yes"})
    assert r.status_code == 422
    assert 'id="err-language"' in r.text and "Ange vilket språk tolken ska tala." in r.text


async def test_the_paper_form_takes_the_language_and_the_letterhead_for_the_referrers_letter(
        tmp_path: Path, intake: Intake) -> None:
    from tests.unit.intake.helpers import PDF, outbox

    app = workspace(tmp_path, intake, local_signin=True)
    today = intake.clock.at.date()
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "call_handler", "unit": "", "lang": "sv"})
        form = (await c.get("/referrals/paper")).text
        assert 'name="reply_address"' in form and 'name="language"' in form
        r = await c.post("/referrals/paper", files={"scan": ("s.pdf", PDF, "application/pdf")}, data={
            "identity_number": pnr(today.replace(day=1) - timedelta(days=365 * 8)), "municipality": "Lycksele",
            "source": "school_student_health", "date_written": today.isoformat(), "date_arrived": today.isoformat(),
            "language": "so", "interpreter_needed": "yes", "reply_name": "Furuskolans elevhälsa",
            "reply_address": "Skolvägen 2, 921 32 Lycksele"})
    assert r.status_code == 303, r.text
    [received] = [e for e in outbox(intake.rt.db.engine) if e.event_type == "ReferralReceived"]
    assert received.payload.language.language == "so" and received.payload.referrer.kind == "paper"
    assert received.payload.referrer.reply_to is not None
