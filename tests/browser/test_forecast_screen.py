"""The referral forecast in Chromium at 1366x768: the contact centre's head reads the next eight weeks per day, enters
a staffing plan too small for the expected referrals (a bad number first, refused beside its field) and sees the days
that miss the 3-day promise marked with the hours short; in Swedish and English, in words."""
from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

from contracts.registry import parse_event
from kontakt.demo import publisher
from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace, a_workspace_system, axe_violations
from tests.browser.screens import VIEWPORT, settle, sign_in_as
from tests.unit.kpi.builders import CaseBuilder

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A system of its own: four weeks of past referrals in its KPI projection would change the other tests' figures."""
    with a_workspace_system(tmp_path_factory.mktemp("forecast-system")) as ws:
        yield ws


def four_weeks_of_referrals(ws: Workspace) -> None:
    """Six EDI referrals every weekday of the four weeks before today, as intake publishes them; then wait until the
    KPI service's forecast expects them (about two assessor-hours a weekday: 20 minutes' advice each)."""
    today = datetime.now(STOCKHOLM).date()
    events = []
    for back in range(1, 29):
        day = today - timedelta(days=back)
        if day.weekday() < 5:
            for n in range(6):
                c = CaseBuilder()
                c.referral(datetime.combine(day, datetime.min.time(), STOCKHOLM) + timedelta(hours=8, minutes=n))
                events += [parse_event(e) for e in c.events]
    with ThreadPoolExecutor(1) as pool:  # Chromium's event loop runs in this thread: publish from another
        pool.submit(publisher(ws.system.bootstrap or ""), events).result()
    deadline = time.monotonic() + 90
    with ws.api("kpi", "kc_head") as kpi:
        while time.monotonic() < deadline:
            r = kpi.get("/api/kpi/forecast/referrals", params={"weeks": 1})
            if r.status_code == 200 and sum(row["total"] for row in r.json()["rows"]) > 20:
                return
            time.sleep(1)
    raise AssertionError("the KPI service did not take in the referrals")


def test_the_head_enters_a_plan_and_sees_the_days_that_miss_the_promise(workspace: Workspace,
                                                                         chromium: Browser) -> None:
    four_weeks_of_referrals(workspace)
    page = sign_in_as(chromium, workspace.url, "kc_head")
    assert page.viewport_size == VIEWPORT
    page.get_by_role("link", name="Prognos och bemanning").click()
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Inkommande remisser mot bemanningen: de kommande 8 veckorna")
    expect(page.locator("#forecast tbody tr")).to_have_count(56)
    expect(page.locator("#forecast thead")).to_contain_text("EDI-remiss")
    expect(page.get_by_text("Ingen bemanningsplan är sparad: varje dag räknas med 0 timmar.")).to_be_visible()
    page.get_by_label("Timmar måndag").fill("tio")
    for day in ("tisdag", "onsdag", "torsdag", "fredag"):
        page.get_by_label(f"Timmar {day}").fill("1,5")
    for day in ("lördag", "söndag"):
        page.get_by_label(f"Timmar {day}").fill("0")
    page.get_by_role("button", name="Spara bemanningsplanen").click()
    settle(page)
    expect(page.locator("#err-hours_0")).to_have_text("Ange timmar som ett tal från 0 till 500.")
    expect(page.get_by_label("Timmar måndag")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Timmar måndag").fill("1,5")
    page.get_by_role("button", name="Spara bemanningsplanen").click()
    settle(page)
    expect(page).to_have_url(f"{workspace.url}/forecast?saved=1")  # post/redirect/get
    expect(page.get_by_role("status")).to_have_text("Bemanningsplanen är sparad.")
    expect(page.get_by_label("Timmar fredag")).to_have_value("1,5")
    marked = page.locator("#forecast tbody tr.risk")
    assert marked.count() >= 10  # two hours a weekday needed, one and a half planned: the backlog grows
    expect(marked.first).to_contain_text("Missar löftet:")
    expect(marked.first).to_contain_text("timmar fattas")
    expect(page.locator("#forecast-summary")).to_contain_text("av dagarna missar löftet med den här bemanningen.")
    assert axe_violations(page) == []  # WCAG 2.1 A/AA, as every screen
    page.context.close()

    english = sign_in_as(chromium, workspace.url, "kc_head", lang="en")
    english.goto(f"{workspace.url}/forecast")
    settle(english)
    expect(english.get_by_role("heading", level=1)).to_have_text("Incoming referrals against staffing: the next 8 weeks")
    expect(english.locator("#forecast thead")).to_contain_text("EDI referral")
    expect(english.locator("#forecast tbody tr.risk").first).to_contain_text("Misses the promise:")
    expect(english.locator("#forecast tbody tr.risk").first).to_contain_text("hours short")
    expect(english.get_by_label("Hours Friday")).to_have_value("1.5")
    english.context.close()

    with httpx.Client(base_url=workspace.url) as anonymous:  # no session: no page
        assert anonymous.get("/forecast", follow_redirects=False).status_code == 303
