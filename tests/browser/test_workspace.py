"""The staff workspace in Debian's Chromium, driven only through its pages, over the whole running system.

The call platform and EDI senders are the outside world: they reach intake's API directly, as they do in
production. Everything staff do is done by clicking and typing. Every screen is checked with axe-core
(WCAG 2.1 A/AA) and photographed into docs/screenshots/.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kontakt.client import personnummer
from tests.browser.conftest import Workspace, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.broker]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}


def sign_in(browser: Browser, ws: Workspace, role: str, unit: str = "", lang: str = "sv") -> Page:
    # bypass_csp only so the test can inject axe-core; the pages themselves run under a strict CSP
    page = browser.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm",
                               bypass_csp=True).new_page()
    page.goto(f"{ws.url}/signin?lang={lang}")
    page.get_by_label("Roll" if lang == "sv" else "Role").select_option(role)
    if unit:
        page.get_by_label("Enhet" if lang == "sv" else "Unit").select_option(unit)
    page.get_by_role("button", name="Logga in" if lang == "sv" else "Sign in").click()
    return page


def check_screen(page: Page, name: str) -> None:
    """No WCAG 2.1 AA violation on the screen as it is; a screenshot for the docs."""
    violations = axe_violations(page)
    assert not violations, (name, violations)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def browser_storage(page: Page) -> str:
    return page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Iterator[Workspace]:
    yield workspace


def test_paper_referral_is_registered_with_its_written_date_and_shown_at_risk(chromium: Browser, ws: Workspace) -> None:
    page = sign_in(chromium, ws, "call_handler")
    expect(page.get_by_role("heading", name=re.compile("Arbetskö"))).to_be_visible()
    page.get_by_role("link", name="Registrera pappersremiss").first.click()
    check_screen(page, "paper-referral")

    # nothing filled in: each error next to its field, in plain Swedish
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("#err-scan")).to_have_text("Välj den skannade remissen.")
    expect(page.locator("#err-date_written")).to_have_text("Ange datumet.")

    today = date.today()
    pnr = personnummer(date(today.year - 10, 4, 3), random.Random(3), female=True)
    page.get_by_label("Skannad remiss").set_input_files(
        files=[{"name": "remiss.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% school referral\n%%EOF\n"}])
    page.get_by_label("Datum på remissen").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Ankomstdatum").fill(today.isoformat())
    page.get_by_label("Barnets personnummer").fill("20100101-0000")  # checksum wrong: the service says so
    page.get_by_label("Kommun").select_option("Skellefteå")
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("#err-identity_number")).to_be_visible()
    assert page.get_by_label("Barnets personnummer").get_attribute("aria-invalid") == "true"
    check_screen(page, "paper-referral-errors")

    page.get_by_label("Skannad remiss").set_input_files(
        files=[{"name": "remiss.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% school referral\n%%EOF\n"}])
    page.get_by_label("Barnets personnummer").fill(pnr)
    page.get_by_role("button", name="Registrera").click()
    expect(page.get_by_text("Ärendet är öppnat.")).to_be_visible()
    case_id = page.locator("h1").inner_text().split()[-1]
    contacts = page.get_by_role("table", name="Kontakter")
    expect(contacts).to_contain_text((today - timedelta(days=2)).isoformat())  # the written date
    expect(page.locator("#days-left")).to_contain_text("Risk att missa löftet")
    check_screen(page, "case-paper-referral")

    page.get_by_role("link", name="Arbetskö").click()
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text("Risk att missa löftet")
    expect(row).to_contain_text("Pappersremiss")
    expect(row).to_contain_text("Elevhälsan")
    check_screen(page, "work-queue")
    assert pnr not in browser_storage(page) and "evi_session" not in page.evaluate("() => document.cookie")


def test_an_edi_referral_appears_in_the_open_queue_as_it_arrives(chromium: Browser, ws: Workspace) -> None:
    page = sign_in(chromium, ws, "clinician")
    expect(page.get_by_role("heading", name=re.compile("Arbetskö"))).to_be_visible()
    page.wait_for_timeout(500)  # the page's event stream is open
    today = date.today()
    pnr = personnummer(date(today.year - 12, 6, 1), random.Random(5), female=False)
    edi = ws.api("intake", "ops").post("/api/referrals", json={
        "channel": "edi", "source": "healthcare", "authored_on": today.isoformat(), "external_ref": "sr-ws-1",
        "child": {"identity_number": pnr, "municipality": "Umeå"}})
    assert edi.status_code == 201, edi.text
    expect(page.locator(f'tr[data-case="{edi.json()["case_id"]}"]')).to_contain_text("EDI-remiss", timeout=10_000)


def test_a_kpi_analyst_is_refused_personal_data(chromium: Browser, ws: Workspace) -> None:
    page = sign_in(chromium, ws, "kpi_analyst")
    expect(page.get_by_text("Din roll ser inga personuppgifter")).to_be_visible()
    check_screen(page, "kpi-analyst")
    for path in ("/queue", "/queue/cases", "/referrals/paper", "/unit", "/cases/C-000000000001"):
        response = page.goto(ws.url + path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("alert")).to_contain_text("Din roll ser inga personuppgifter")
        assert not re.search(r"C-[0-9A-Z]{12}", page.locator("main").inner_text())
