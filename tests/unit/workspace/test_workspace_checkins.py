"""Check-ins through the workspace, with intake and notifications in process: the family answers behind the
personal link (no sign-in), a worse answer reaches the staff's call-today list, the case shows the answers and the
family's words, a person marks the call done and closes a case the family no longer needs."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.chassis.clock import FixedClock
from services.chassis.issuer import LocalIssuer
from tests.unit.intake.conftest import Intake, make_intake
from tests.unit.intake.helpers import edi_form, outbox, pnr
from tests.unit.notifications.conftest import Notifications
from tests.unit.notifications.fakes import Gateway, SmtpServer
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace

NOW = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # a Monday noon: the check-in goes outside the quiet hours


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[tuple[Intake, Notifications]]:
    keys = LocalIssuer(tmp_path / "keys")
    intake = make_intake(tmp_path / "intake", keys)
    intake.clock.at = NOW
    gateway, smtp = Gateway().start(), SmtpServer().start()
    (tmp_path / "n").mkdir()
    notifications = Notifications(tmp_path / "n", keys, f"sqlite:///{tmp_path / 'n' / 'n.db'}", gateway, smtp,
                                  FixedClock(NOW), keyvault_url=intake.rt.settings.resolved_keyvault_url())
    yield intake, notifications
    await notifications.close()
    gateway.stop()
    smtp.stop()
    await intake.http.aclose()
    intake.rt.db.dispose()


def _ws(tmp_path: Path, intake: Intake, notifications: Notifications) -> Any:
    app = workspace(tmp_path, None, local_signin=True)
    s = app.state.web.settings
    s.intake_url, s.notifications_url = "http://intake", "http://notifications"
    app.state.web.backend.urls.update({"intake": "http://intake", "notifications": "http://notifications"})
    app.state.web.backend.http = httpx.AsyncClient(mounts={
        "http://intake": httpx.ASGITransport(app=intake.app),
        "http://notifications": httpx.ASGITransport(app=notifications.app)})
    return app


async def _checked_in(intake: Intake, notifications: Notifications) -> tuple[str, str]:
    """A waiting family's case in intake and notifications, and the link of its first check-in (day 14)."""
    r = await intake.post("/api/referrals", edi_form(pnr(NOW.date().replace(day=1) - timedelta(days=3650)),
                                                     authored=NOW.date().isoformat()), role="ops")
    case_id = r.json()["case_id"]
    [received] = [e for e in outbox(intake.rt.db.engine) if e.case_id == case_id]
    notifications.apply(received)
    from tests.unit.notifications import events as ev
    notifications.apply(ev.no_slots(case_id, NOW))
    notifications.clock.at = NOW + timedelta(days=15)
    await notifications.send_due()
    [sms] = notifications.gateway.sms()
    link = re.search(r"/svar/([a-z2-7]+)", sms["text"])
    assert link
    return case_id, link.group(1)


async def test_a_worse_answer_reaches_todays_list_and_the_case(tmp_path: Path, services: Any) -> None:
    intake, notifications = services
    case_id, token = await _checked_in(intake, notifications)
    app = _ws(tmp_path, intake, notifications)
    async with browser_like(app) as family:
        page = await family.get(f"/svar/{token}")
        assert page.status_code == 200 and "Har barnet haft tankar på att skada sig själv" in page.text
        missing = await family.post(f"/svar/{token}", data={"how": "worse"})
        assert missing.status_code == 422 and 'id="err-risk"' in missing.text
        done = await family.post(f"/svar/{token}", data={"how": "worse", "still_wanted": "yes", "risk": "no",
                                                         "worry": "Han har slutat äta ordentligt."})
        assert done.status_code == 200 and 'id="checkin-thanks"' in done.text
        again = await family.get(f"/svar/{token}")
        assert again.status_code == 409 and "redan svarat" in again.text
    [answered] = notifications.published("CheckInAnswered")
    intake.rt.consumers.deliver("intake.checkins", answered)
    async with browser_like(app) as staff:
        await staff.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
        listed = (await staff.get("/queue/call-today")).text
        assert f'data-case="{case_id}" data-reason="worse"' in listed
        answers = (await staff.get(f"/cases/{case_id}/checkins")).text
        assert "Han har slutat äta ordentligt." in answers and "Sämre" in answers
        checkin_id = answered.payload.checkin_id
        after = (await staff.post(f"/call-today/{checkin_id}/done")).text
        assert f'data-case="{case_id}"' not in after and "Ingen att ringa just nu." in after


async def test_no_longer_needed_is_closed_by_a_person_with_the_familys_words(tmp_path: Path, services: Any) -> None:
    intake, notifications = services
    case_id, token = await _checked_in(intake, notifications)
    app = _ws(tmp_path, intake, notifications)
    async with browser_like(app) as c:
        await c.post(f"/svar/{token}", data={"how": "better", "still_wanted": "no", "risk": "no",
                                             "worry": "Det har löst sig med skolan."})
        [answered] = notifications.published("CheckInAnswered")
        intake.rt.consumers.deliver("intake.checkins", answered)
        assert (await intake.get(f"/api/cases/{case_id}", role="clinician")).json()["status"] == "open"
        await c.post("/signin", data={"role": "call_handler", "unit": "", "lang": "sv"})
        panel = (await c.get(f"/cases/{case_id}/checkins")).text
        assert "Det har löst sig med skolan." in panel and "Avsluta ärendet: behövs inte längre" in panel
        r = await c.post(f"/cases/{case_id}/close-no-longer-needed")
        assert r.status_code == 303
    case = (await intake.get(f"/api/cases/{case_id}", role="clinician")).json()
    assert (case["status"], case["closed_reason"]) == ("closed", "withdrawn")


async def test_an_unknown_link_says_where_to_call(tmp_path: Path, services: Any) -> None:
    intake, notifications = services
    app = _ws(tmp_path, intake, notifications)
    async with browser_like(app) as family:
        r = await family.get("/svar/abcdefghijklmnop")
    assert r.status_code == 404 and "1177" in r.text
