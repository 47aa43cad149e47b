"""'Kontakta oss' in Chromium over the whole running system, on a phone's width: a guardian answers that the
child is in danger now; the emergency numbers are shown at once, the clinician on duty is alerted, and the case
is at the top of the work queue. Every screen is checked with axe-core (WCAG 2.1 AA)."""
from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from kontakt.client import personnummer
from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace
from tests.browser.test_workspace import VIEWPORT, browser_storage, check_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.broker]
PHONE_WIDTH = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Iterator[Workspace]:
    yield workspace


def on_a_phone(browser: Browser, ws: Workspace) -> Page:
    context = browser.new_context(viewport=PHONE_WIDTH, locale="sv-SE", timezone_id="Europe/Stockholm",
                                  bypass_csp=True, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{ws.url}/kontakt")
    return page


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH["width"]


def test_a_guardian_answering_danger_now_is_told_at_once_and_the_case_goes_first(chromium: Browser,
                                                                                 ws: Workspace) -> None:
    today = datetime.now(STOCKHOLM).date()
    guardian = personnummer(date(today.year - 41, 3, 9), random.Random(41), female=True)
    child = personnummer(date(today.year - 14, 10, 2), random.Random(14), female=False)
    page = on_a_phone(chromium, ws)
    expect(page.get_by_role("heading", name="Kontakta oss – barn och unga psykisk hälsa")).to_be_visible()
    expect(page.get_by_text("Ring 112 om någon är i fara").first).to_be_visible()
    no_sideways_scroll(page)
    check_screen(page, "kontakt-home-phone")
    page.get_by_role("link", name="Jag är vårdnadshavare").click()
    expect(page.get_by_text("TESTINLOGGNING")).to_be_visible()
    page.get_by_label("Ditt personnummer").fill(guardian)
    page.get_by_role("button", name="Logga in").click()

    # the form: a risk answer is met on the screen before anything is sent
    expect(page.get_by_role("heading", name="Berätta för oss")).to_be_visible()
    page.get_by_role("group", name="Är barnet eller någon annan i fara just nu?").get_by_label("Ja").check()
    acute = page.locator("#acute-help")
    expect(acute).to_contain_text("Ring 112")
    expect(acute).to_contain_text("1177")
    expect(acute).to_contain_text("Psykiatrisk akutmottagning")
    for question in ("Skadar barnet sig själv", "Pratar barnet om"):
        page.get_by_role("group", name=re.compile(question)).get_by_label("Nej").check()
    page.get_by_label("Barnets personnummer").fill(child)
    page.get_by_label("Kommun där barnet bor").select_option("Skellefteå")
    page.get_by_label("Nedstämdhet").check()
    page.get_by_label("Berätta med egna ord").fill("Han har slutat äta och säger att ingenting spelar någon roll.")
    page.get_by_label("I dag eller så snart som möjligt").check()
    page.get_by_label("Mobilnummer vi ringer").fill("070-174 06 61")
    no_sideways_scroll(page)
    page.get_by_role("heading", name="Berätta för oss").scroll_into_view_if_needed()
    check_screen(page, "kontakt-form-risk-phone")
    page.get_by_role("button", name="Skicka").click()

    # the receipt: the guidance first, the alert said, the call-back window
    expect(page.get_by_role("heading", name="Tack – vi har tagit emot ditt meddelande")).to_be_visible()
    expect(page.locator("#acute-help")).to_contain_text("larmat jourhavande")
    expect(page.get_by_text(re.compile(r"Vi ringer dig \d{4}-\d\d-\d\d \d\d:\d\d–\d\d:\d\d"))).to_be_visible()
    ref = re.search(r"KO-[0-9A-F]{10}", page.locator("main").inner_text())
    assert ref is not None
    no_sideways_scroll(page)
    check_screen(page, "kontakt-receipt-acute-phone")
    assert guardian not in browser_storage(page) and child not in browser_storage(page)
    assert guardian not in page.content()

    # the same escalation a call raises: the clinician on duty is alerted, naming the case only
    staff = sign_in(chromium, ws, "clinician")
    top = staff.locator("tbody tr").first
    expect(top).to_contain_text("Akut risk", timeout=10_000)
    expect(top).to_contain_text("Kontakta oss (webb)")
    case_id = top.get_attribute("data-case")
    assert case_id
    check_screen(staff, "work-queue-kontakt-acute")
    deadline = time.monotonic() + 30
    while not (alerts := [m for m in ws.sent("sms") if case_id in m["text"]]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert alerts and not any(child in m["text"] or guardian in m["text"] for m in alerts)
    top.get_by_role("link").first.click()
    panel = staff.locator(f'[data-referral="{ref.group(0)}"]')
    expect(panel).to_contain_text("Fara just nu")
    expect(panel).to_contain_text("Han har slutat äta")
    check_screen(staff, "case-kontakt")


def test_the_pages_in_english_at_phone_width_pass_axe(chromium: Browser, ws: Workspace) -> None:
    page = on_a_phone(chromium, ws)
    page.goto(f"{ws.url}/kontakt?lang=en")
    expect(page.get_by_role("heading", name="Contact us – child and youth mental health")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="I am 13–17 and ask for myself").click()
    expect(page.get_by_text("TEST SIGN-IN")).to_be_visible()
    check_screen(page, "kontakt-signin-en-phone")
    no_sideways_scroll(page)
    desktop = chromium.new_context(viewport=VIEWPORT, locale="sv-SE", bypass_csp=True).new_page()
    desktop.goto(f"{ws.url}/kontakt")
    expect(desktop.get_by_role("link", name="Jag är vårdnadshavare")).to_be_visible()
    check_screen(desktop, "kontakt-home")
