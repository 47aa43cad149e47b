"""Call-backs in Chromium over the whole running system: a caller meets a full queue, is told the promised window
by SMS, the call-back is on the list, taken, becomes the usual call and ends booked; two staff taking the same
call-back at once: one gets the number, the other is told a colleague was first."""
from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from kontakt.client import Journey, Staff, personnummer
from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace
from tests.browser.test_workspace import browser_storage, check_screen, open_new_time, sign_in, stockholm_time

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Iterator[Workspace]:
    yield workspace


def full_queue(ws: Workspace, number: str) -> dict[str, Any]:
    """The call platform: a call meets a full queue and the caller leaves a number for a call-back."""
    now = datetime.now(UTC)
    call_id = f"full-{now:%H%M%S%f}"
    platform = ws.api("intake", "ops")
    staffing = platform.post("/api/telephony/staffing", json={"at": now.isoformat(), "agents_signed_in": 3})
    assert staffing.status_code == 201
    assert platform.post("/api/telephony/events", json={"call_id": call_id, "line": "public_1177",
                                                         "step": "CallOffered", "at": now.isoformat()}).status_code == 201
    r = platform.post("/api/telephony/callbacks", json={"call_id": call_id, "line": "public_1177",
                                                         "reason": "queue_full", "number": number,
                                                         "at": now.isoformat()})
    assert r.status_code == 201, r.text
    return dict(r.json())


def sms_to(ws: Workspace, number: str, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not (sent := [m for m in ws.sent("sms") if m.get("to") == number]) and time.monotonic() < deadline:
        time.sleep(0.3)
    return sent


def test_a_full_queue_caller_is_told_the_window_called_back_and_booked(chromium: Browser, ws: Workspace) -> None:
    open_new_time(chromium, ws, "hc-stenbergska", stockholm_time(4, 10))
    number = "+46701740631"
    cb = full_queue(ws, number)
    start = datetime.fromisoformat(cb["window_start"]).astimezone(STOCKHOLM)
    end = datetime.fromisoformat(cb["window_end"]).astimezone(STOCKHOLM)

    # the SMS names the promised window
    [sms] = sms_to(ws, number)
    assert f"kl. {start:%H:%M}–{end:%H:%M}" in sms["text"] and "Vi ringer upp dig" in sms["text"]

    # the list, ordered by promised time, without the number
    page = sign_in(chromium, ws, "clinician")
    item = page.locator(f'li[data-callback="{cb["callback_id"]}"]')
    expect(item).to_contain_text(f"Lovat {start:%H:%M}–{end:%H:%M}", timeout=10_000)
    expect(item).to_contain_text("Full kö")
    expect(page.locator("#callbacks")).to_contain_text("3 inloggade")
    assert "1740631" not in page.locator("#callbacks").inner_text()
    check_screen(page, "callback-list")

    # taken: one click, the number to ring
    item.get_by_role("button", name=re.compile("Ta återuppringningen")).click()
    expect(page.get_by_role("link", name=number)).to_have_attribute("href", f"tel:{number}")
    check_screen(page, "callback-take")

    # reached: the usual call, its form filled with the number
    page.get_by_role("button", name="Nådd – fortsätt samtalet").click()
    expect(page.get_by_label("Vårdnadshavarens mobilnummer")).to_have_value(number)
    today = datetime.now(STOCKHOLM).date()
    pnr = personnummer(date(today.year - 11, 3, 7), random.Random(31), female=True)
    page.get_by_label("Barnets personnummer").fill(pnr)
    page.get_by_label("Kommun").select_option("Lycksele")
    check_screen(page, "callback-call")
    page.get_by_role("button", name="Hitta eller öppna ärende").click()
    expect(page.get_by_text("Ärendet är öppnat.")).to_be_visible()
    case_id = page.locator("h1").inner_text().split()[-1]
    assert number not in browser_storage(page) and pnr not in browser_storage(page)

    # assessment and decision as on any call (through the API, the interview screens have their own test)
    journey = Journey(Staff({n: f"http://127.0.0.1:{p}" for n, p in ws.system.ports.items()}, ws.issuer))
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "primary_care")
    journey.decide(case_id)

    # booked on the call, and the family's confirmation goes to the number called back
    page.reload()
    offers = page.locator("ol.offers li")
    expect(offers.first).to_contain_text("Stenbergska hälsocentral", timeout=20_000)
    offers.first.get_by_role("button", name=re.compile("Håll tiden")).click()
    page.get_by_role("button", name="Boka tiden").click()
    expect(page.get_by_text(re.compile("Bokat: Stenbergska hälsocentral"))).to_be_visible()
    deadline = time.monotonic() + 30
    while len(sms := sms_to(ws, number)) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert any("Stenbergska" in m["text"] for m in sms)
    expect(page.locator(f'li[data-callback="{cb["callback_id"]}"]')).to_have_count(0)


def test_two_staff_taking_the_same_call_back_at_once_one_gets_it(chromium: Browser, ws: Workspace) -> None:
    number = "+46701740632"
    cb = full_queue(ws, number)
    anna, bo = sign_in(chromium, ws, "clinician"), sign_in(chromium, ws, "call_handler")
    buttons = []
    for page in (anna, bo):
        item = page.locator(f'li[data-callback="{cb["callback_id"]}"]')
        expect(item).to_be_visible(timeout=10_000)
        buttons.append(item.locator("form"))
    # both forms are sent before either answer is read
    for form in buttons:
        form.evaluate("f => f.requestSubmit()")
    for page in (anna, bo):
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="Återuppringning")).to_be_visible()
    got = [p for p in (anna, bo) if p.get_by_role("link", name=number).count() == 1]
    lost = [p for p in (anna, bo) if p.get_by_text("En kollega tog återuppringningen före dig.").count() == 1]
    assert len(got) == 1 and len(lost) == 1 and got[0] is not lost[0]
    assert number not in lost[0].content()
    check_screen(lost[0], "callback-taken-by-colleague")
    # the winner puts it back: the list shows it free again for everyone
    got[0].get_by_role("button", name="Lägg tillbaka i listan").click()
    expect(got[0].locator(f'li[data-callback="{cb["callback_id"]}"]')).not_to_contain_text("Tagen av")
