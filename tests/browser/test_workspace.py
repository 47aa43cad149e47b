"""The staff workspace in Debian's Chromium, driven only through its pages, over the whole running system.

The call platform and EDI senders are the outside world: they reach intake's API directly, as they do in
production. Everything staff do is done by clicking and typing. Every screen is checked with axe-core
(WCAG 2.1 A/AA) and photographed into docs/screenshots/.
"""
from __future__ import annotations

import os
import random
import re
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kontakt.client import personnummer
from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace, axe_violations
from tests.unit.intake.helpers import PDF  # a readable one-page PDF: intake keeps only such, made inert

pytestmark = [pytest.mark.browser, pytest.mark.broker]
# `KONTAKT_SCREENSHOT_DIR=docs/screenshots` refreshes the committed pictures; otherwise they go to a temporary
# directory, so a test run leaves the work tree clean.
SHOTS = Path(os.environ.get("KONTAKT_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="workspace-shots-"))
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

    today = datetime.now(STOCKHOLM).date()  # the services' day, whatever the machine's time zone
    pnr = personnummer(date(today.year - 10, 4, 3), random.Random(3), female=True)
    page.get_by_label("Skannad remiss").set_input_files(
        files=[{"name": "remiss.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_label("Datum på remissen").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("Ankomstdatum").fill(today.isoformat())
    page.get_by_label("Barnets personnummer").fill("20100101-0000")  # checksum wrong: the service says so
    page.get_by_label("Kommun").select_option("Skellefteå")
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("#err-identity_number")).to_be_visible()
    assert page.get_by_label("Barnets personnummer").get_attribute("aria-invalid") == "true"
    check_screen(page, "paper-referral-errors")

    page.get_by_label("Skannad remiss").set_input_files(
        files=[{"name": "remiss.pdf", "mimeType": "application/pdf", "buffer": PDF}])
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
    today = datetime.now(STOCKHOLM).date()  # the services' day, whatever the machine's time zone
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


def stockholm_time(days_ahead: int, hour: int) -> str:
    day = (datetime.now(STOCKHOLM) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM).isoformat()


def import_calendar(page: Page, name: str, text: str) -> None:
    page.get_by_label("Kalenderfil").set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])
    page.get_by_role("button", name="Importera").click()


def open_new_time(browser: Browser, ws: Workspace, unit: str, starts_at: str) -> None:
    """A unit's scheduler opens one time through the workspace (the call below books it)."""
    page = sign_in(browser, ws, "scheduler", unit=unit)
    import_calendar(page, "tider.csv", f"starts_at,duration_min,profession,visit_type,digital\n{starts_at},45,psychologist,new_visit,false\n")
    expect(page.get_by_text("1 tid importerades.")).to_be_visible()
    page.context.close()


def answer(page: Page, item: str, choice: str) -> None:
    form = page.locator(f'form[data-item="{item}"]')
    form.get_by_label(choice, exact=True).check()
    expect(form.locator("span[id^=saved-]")).to_have_text("Sparat")


def test_the_whole_call_from_incoming_call_to_booked_confirmation(chromium: Browser, ws: Workspace) -> None:
    open_new_time(chromium, ws, "hc-stenbergska", stockholm_time(3, 10))
    page = sign_in(chromium, ws, "clinician")
    now = datetime.now(UTC)
    call_id = f"call-ws-{now:%H%M%S%f}"
    expect(page.get_by_role("heading", name="Inkommande samtal")).to_be_visible()
    expect(page.locator(f'li[data-call="{call_id}"]')).to_have_count(0)

    # the call platform reports the call; it appears for the person on the phone
    platform = ws.api("intake", "ops")
    for step, at in (("CallOffered", now - timedelta(minutes=4)), ("CallQueued", now - timedelta(minutes=4)),
                     ("CallAnswered", now)):
        assert platform.post("/api/telephony/events", json={"call_id": call_id, "line": "public_1177", "step": step,
                                                             "at": at.isoformat()}).status_code == 201
    incoming = page.locator(f'li[data-call="{call_id}"]')
    expect(incoming).to_contain_text("1177 val 2", timeout=10_000)
    check_screen(page, "incoming-call")
    incoming.get_by_role("link", name="Ta samtalet").click()

    # find the child: a nine-year-old in Lycksele, the guardian's mobile for the confirmation
    pnr = personnummer(date(now.year - 9, 2, 11), random.Random(9), female=True)
    phone = "+46705550199"
    page.get_by_label("Barnets personnummer").fill(pnr)
    page.get_by_label("Kommun").select_option("Lycksele")
    page.get_by_label("Vårdnadshavarens mobilnummer").fill(phone)
    page.get_by_role("group", name="Orsak till kontakten").get_by_label("Oro, ångest").check()
    check_screen(page, "call-find-child")
    page.get_by_role("button", name="Hitta eller öppna ärende").click()
    expect(page.get_by_text("Ärendet är öppnat.")).to_be_visible()
    case_id = page.locator("h1").inner_text().split()[-1]

    # the same child again (a second call): the open case is shown, not a second one
    again = page.context.new_page()
    second = f"{call_id}-b"
    for step, at in (("CallOffered", now), ("CallAnswered", now + timedelta(seconds=30))):
        platform.post("/api/telephony/events", json={"call_id": second, "line": "public_1177", "step": step,
                                                     "at": at.isoformat()})
    again.goto(f"{ws.url}/calls/{second}")
    again.get_by_label("Barnets personnummer").fill(pnr)
    again.get_by_label("Kommun").select_option("Lycksele")
    again.get_by_role("button", name="Hitta eller öppna ärende").click()
    expect(again.get_by_text("Barnet hade redan ett öppet ärende")).to_be_visible()
    assert again.locator("h1").inner_text().split()[-1] == case_id
    again.close()

    # advice is the medical assessment; then the interview, rendered from the instrument's data
    page.get_by_role("group", name="Vad rådet gällde").get_by_label("Oro, ångest").check()
    page.get_by_role("button", name="Registrera råd").click()
    expect(page.get_by_text("Råd givet")).to_be_visible()
    page.get_by_role("button", name="Starta intervjun").click(timeout=20_000)
    expect(page.locator("#progress")).to_contain_text("0 av")
    total = int(page.locator("#progress").inner_text().split(" av ")[1].split()[0])
    # keyboard only for the first question: Tab into the group, Space chooses, arrows move the choice
    first = page.locator("form.item").first.locator("input[type=radio]").first
    first.focus()
    page.keyboard.press("Space")
    expect(page.locator("form.item").first.locator("span[id^=saved-]")).to_have_text("Sparat")
    worried = {f"anx_{i}" for i in range(1, 5)}
    items = page.locator("form.item").evaluate_all("fs => fs.map(f => f.dataset.item)")
    for item in items[1:]:
        if item in worried:
            answer(page, item, "Stämmer ofta")
        else:
            form = page.locator(f'form[data-item="{item}"]')
            form.locator("input[type=radio]").first.check()
            expect(form.locator("span[id^=saved-]")).to_have_text("Sparat")
    expect(page.locator("#progress")).to_contain_text(f"{total} av {total}")
    check_screen(page, "interview")
    page.get_by_role("button", name="Avsluta intervjun").click()

    # the guide's proposal with its reasons, Swedish first; the decision
    expect(page.get_by_role("heading", name=re.compile("Vägledningens förslag: Primärvård"))).to_be_visible()
    expect(page.get_by_text("Ängslan, oro eller nedstämdhet på signalnivå")).to_be_visible()
    page.get_by_text("In English").click()
    expect(page.get_by_text("Anxiety, worry or low mood at signal level")).to_be_visible()
    check_screen(page, "proposal")
    page.get_by_role("button", name="Besluta: Primärvård (hälsocentral)").click()
    expect(page.get_by_text("Beslutad vårdnivå: Primärvård")).to_be_visible()

    # offers nearest first (no error while booking hears of the decision), hold with a countdown, book
    offers = page.locator("ol.offers li")
    expect(offers.first).to_contain_text("Stenbergska hälsocentral", timeout=20_000)
    expect(offers.first).to_contain_text("väntan")
    assert "Fel" not in page.locator("#booking-panel").inner_text()
    check_screen(page, "offers")
    offers.first.get_by_role("button", name=re.compile("Håll tiden")).click()
    countdown = page.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^[45]:\d\d$"))
    check_screen(page, "hold")
    page.get_by_role("button", name="Boka tiden").click()
    expect(page.get_by_text(re.compile("Bokat: Stenbergska hälsocentral"))).to_be_visible()

    # the family's confirmation: shown live, and the SMS is in the sink
    family = page.locator("#family")
    expect(family).to_contain_text("Bokningsbekräftelse", timeout=30_000)
    expect(family).to_contain_text("skickat", timeout=30_000)
    expect(family).to_contain_text("Påminnelse · SMS")  # still due, and already by the channel the family chose
    expect(family).not_to_contain_text("–:")
    check_screen(page, "booked")
    sms = [m for m in ws.sent("sms") if m.get("to") == phone]
    assert len(sms) == 1 and "Stenbergska" in sms[0]["text"]
    assert pnr not in browser_storage(page) and phone not in browser_storage(page)


def test_a_risk_answer_shows_the_escalation_and_who_was_alerted(chromium: Browser, ws: Workspace) -> None:
    today = datetime.now(STOCKHOLM).date()  # the services' day, whatever the machine's time zone
    pnr = personnummer(date(today.year - 15, 8, 19), random.Random(15), female=False)
    edi = ws.api("intake", "ops").post("/api/referrals", json={
        "channel": "edi", "source": "healthcare", "authored_on": today.isoformat(), "external_ref": "sr-ws-risk",
        "child": {"identity_number": pnr, "municipality": "Umeå"}})
    case_id = edi.json()["case_id"]
    before = len(ws.sent("sms"))
    page = sign_in(chromium, ws, "clinician")
    page.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    page.get_by_role("button", name="Starta intervjun").click(timeout=20_000)
    risk = page.locator('form[data-item="risk_suicidal"] input[type=radio]').first
    risk.focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # to "Ja, med plan eller avsikt", saved at every step
    expect(page.locator('form[data-item="risk_suicidal"] input[type=radio]').last).to_be_checked()
    # beside the answer (where the clinician's eyes are) as well as on top of the interview
    beside = page.locator('form[data-item="risk_suicidal"] .risk-note')
    # four saves in a row (htmx sends the last one after the one in flight): on a busy machine that takes seconds
    expect(beside).to_contain_text("suicidtankar med plan eller avsikt. Ärendet är eskalerat till jourhavande kliniker",
                                   timeout=20_000)
    expect(beside).to_be_in_viewport()
    banner = page.locator(".risk-banner")
    expect(banner).to_contain_text("eskalerat till jourhavande kliniker", timeout=20_000)
    expect(banner).to_contain_text(re.compile(r"Larmad: jourhavande kliniker via SMS: skickat"),
                                   timeout=30_000)
    check_screen(page, "risk-escalated")
    alerts = ws.sent("sms")[before:]
    assert any(case_id in m["text"] for m in alerts)
    assert not any(pnr in m["text"] for m in alerts)


def test_a_scheduler_imports_a_calendar_and_the_waiting_child_gets_the_new_time(chromium: Browser,
                                                                                ws: Workspace) -> None:
    from kontakt.client import Journey, Staff

    page = sign_in(chromium, ws, "scheduler", unit="hc-sorsele")
    expect(page.get_by_role("heading", name=re.compile("Sorsele sjukstuga"))).to_be_visible()
    page.wait_for_timeout(500)  # the page's event stream is open

    # meanwhile, at the contact centre: a child in Sorsele decided for primary care, with no time to be had
    journey = Journey(Staff({n: f"http://127.0.0.1:{p}" for n, p in ws.system.ports.items()}, ws.issuer))
    today = datetime.now(STOCKHOLM).date()  # the services' day, whatever the machine's time zone
    pnr = personnummer(date(today.year - 8, 1, 20), random.Random(21), female=False)
    phone = "+46705550177"
    case_id = journey.edi_referral({"identity_number": pnr, "municipality": "Sorsele"},
                                   {"phone": phone, "preferred_channel": "sms"}, today)["case_id"]
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "primary_care")
    journey.decide(case_id)

    # the unit sees the alert arrive and the child on its waiting list, without reloading
    expect(page.locator("#alerts")).to_contain_text(case_id, timeout=20_000)
    waiting = page.locator(f'#waiting tr[data-case="{case_id}"]')
    expect(waiting).to_contain_text("Primärvård", timeout=20_000)
    check_screen(page, "unit-week")

    # a file with two bad lines is refused whole, each bad line named next to the field
    import_calendar(page, "tider.csv", "starts_at,duration_min,profession,visit_type,digital\n"
                                       "inte-ett-datum,45,psychologist,new_visit,false\n"
                                       f"{stockholm_time(2, 9)},45,surgeon,new_visit,false\n")
    errors = page.locator("#err-calendar")
    expect(errors).to_contain_text("Rad 2")
    expect(errors).to_contain_text("Rad 3")
    expect(errors).to_contain_text("surgeon finns inte; giltiga värden är psychologist, counsellor")  # listed
    expect(page.locator("details.import-help")).to_contain_text("starts_at,duration_min,profession,visit_type,digital")
    assert page.get_by_label("Kalenderfil").get_attribute("aria-invalid") == "true"
    check_screen(page, "calendar-import-errors")

    # the right file: the new time goes to the waiting child at once
    import_calendar(page, "tider.csv", "starts_at,duration_min,profession,visit_type,digital\n"
                                       f"{stockholm_time(2, 9)},45,counsellor,new_visit,false\n")
    expect(page.get_by_text("1 tid importerades.")).to_be_visible()
    expect(page.locator(".slot").filter(has_text="09:00")).to_contain_text("bokad")
    assert "imported=1" in page.url  # post/redirect/get: a reload shows the page again, it does not re-send
    page.reload()
    expect(page.locator(".slot").filter(has_text="09:00")).to_have_count(1)
    expect(page.locator(f'#waiting tr[data-case="{case_id}"]')).to_have_count(0, timeout=20_000)
    check_screen(page, "unit-week-booked")
    page.get_by_role("link", name="Veckomöte KC–BUP").click()
    expect(page.get_by_role("row", name=re.compile("BUP Umeå")).first).to_be_visible()
    expect(page.get_by_role("heading", name="Sommarplanering: förväntade nybesök mot tider")).to_be_visible()
    check_screen(page, "weekly-meeting")

    deadline = time.monotonic() + 30
    while not (sms := [m for m in ws.sent("sms") if m.get("to") == phone]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert sms and "Sorsele" in sms[0]["text"]


def test_a_coordinator_starts_two_level_care_and_sees_it_on_the_board_in_either_language(chromium: Browser,
                                                                                        ws: Workspace) -> None:
    today = datetime.now(STOCKHOLM).date()  # the services' day, whatever the machine's time zone
    pnr = personnummer(date(today.year - 11, 3, 30), random.Random(31), female=True)
    case_id = ws.api("intake", "ops").post("/api/referrals", json={
        "channel": "edi", "source": "healthcare", "authored_on": today.isoformat(), "external_ref": "sr-ws-tlc",
        "child": {"identity_number": pnr, "municipality": "Umeå"}}).json()["case_id"]
    page = sign_in(chromium, ws, "coordinator")
    expect(page.get_by_role("heading", name="Samordnartavla: vård på två vårdnivåer")).to_be_visible()
    page.goto(f"{ws.url}/cases/{case_id}")
    expect(page.get_by_text("Intervjun görs av en legitimerad behandlare.")).to_be_visible(timeout=20_000)
    panel = page.locator("#collaboration-panel")
    panel.get_by_label("Hälsocentral").select_option("hc-teg")
    panel.get_by_label("BUP").select_option("bup-umea")
    panel.get_by_role("button", name="Starta samverkan två vårdnivåer").click()
    expect(panel.get_by_text("Samverkan är startad.")).to_be_visible()

    page.get_by_role("link", name="Samordnartavla").click()
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text("Teg hälsocentral")
    expect(row).to_contain_text("BUP Umeå")
    check_screen(page, "coordinators-board")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Coordinators' board: two-level care")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_screen(page, "coordinators-board-en")
