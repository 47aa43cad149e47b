"""The schools' digital referral form in Debian's Chromium, over the whole running system: a school nurse sends a
referral with consent and a PDF, gets a receipt and follows the status; no consent sends nothing; another school
sees nothing; the contact centre has it in its queue at once with the clock started at submission."""
from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from kontakt.client import personnummer
from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace
from tests.browser.test_workspace import VIEWPORT, browser_storage, check_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.broker]
ERSBODA, KAGE = "sk-umea-ersbodaskolan", "sk-skelleftea-kageskolan"


def pdf_bytes() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Iterator[Workspace]:
    yield workspace


def school_sign_in(browser: Browser, ws: Workspace, school: str) -> Page:
    page = browser.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm",
                               bypass_csp=True).new_page()
    page.goto(f"{ws.url}/signin")
    page.get_by_role("link", name=re.compile("Arbetar du i elevhälsan")).click()
    page.get_by_label("Skola").select_option(school)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Skolans remisser")).to_be_visible()
    return page


def fill_form(page: Page, pnr: str) -> None:
    page.get_by_label("Barnets personnummer").fill(pnr)
    page.get_by_label("Kommun där barnet bor").select_option("Umeå")
    page.get_by_role("checkbox", name="Oro, ångest").check()
    page.get_by_role("checkbox", name="Skolfrånvaro").check()
    page.get_by_label("Skolans frågeställning").fill("Eleven har varit borta sex veckor och säger att hon inte orkar.")
    page.get_by_role("checkbox", name="Samtal med skolkurator").check()
    page.get_by_role("checkbox", name="Extra anpassningar").check()
    page.get_by_label("Mer om insatserna").fill("Samtal varje vecka sedan september.")
    page.get_by_label("Ditt namn").fill("Sara Skolsköterska")
    page.get_by_label("Din yrkesroll").select_option("school_nurse")
    page.get_by_label("Telefon").fill("090-12 34 56")


def test_skola_without_a_session_signs_school_staff_in_at_their_own_door(chromium: Browser, ws: Workspace) -> None:
    page = chromium.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm").new_page()
    page.goto(f"{ws.url}/skola")
    expect(page.get_by_role("heading", name="Logga in – elevhälsan")).to_be_visible()
    page.get_by_label("Skola").select_option(ERSBODA)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Skolans remisser")).to_be_visible()
    page.context.close()


def test_a_school_nurse_sends_a_referral_and_follows_its_status(chromium: Browser, ws: Workspace) -> None:
    nurse = school_sign_in(chromium, ws, ERSBODA)
    check_screen(nurse, "school-list")
    nurse.get_by_role("link", name="Ny remiss").first.click()
    check_screen(nurse, "school-form")
    pnr = personnummer(date(datetime.now(STOCKHOLM).year - 11, 2, 14), random.Random(17), female=True)

    def school_cases() -> set[str]:
        queue = ws.api("intake", "clinician").get("/api/work-queue").json()
        return {c["case_id"] for c in queue["cases"] if c["channel"] == "school_form"}

    before = school_cases()  # other tests of the session may have sent school referrals of their own
    # without consent: the alternatives are shown as soon as "Nej" is chosen, said once, and nothing can be sent
    fill_form(nurse, pnr)
    nurse.get_by_role("group", name=re.compile("Har vårdnadshavarna samtyckt")).get_by_label("Nej").check()
    expect(nurse.locator("#consent-help")).to_contain_text("orosanmälan")
    send = nurse.get_by_role("button", name="Skicka remissen")
    expect(send).to_be_disabled()
    expect(nurse.get_by_role("alert").filter(has_text="Remissen skickas inte")).to_be_visible()
    assert nurse.locator("main").inner_text().count("skickas inte") == 1
    expect(nurse.locator("#consent-help")).to_contain_text("1177, välj 2")
    check_screen(nurse, "school-form-no-consent")
    assert school_cases() == before

    # with consent and a PDF: sent, a receipt with the school's own reference
    nurse.get_by_role("group", name=re.compile("Har vårdnadshavarna samtyckt")).get_by_label("Ja").check()
    expect(send).to_be_enabled()
    nurse.get_by_role("group", name="Vem gav samtycket *").get_by_label("Båda vårdnadshavarna").check()
    nurse.get_by_label("Hur gavs samtycket").select_option("in_person")
    nurse.get_by_label("PDF-filer").set_input_files(
        files=[{"name": "elevhalsan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    before = datetime.now(STOCKHOLM)
    nurse.get_by_role("button", name="Skicka remissen").click()
    expect(nurse.get_by_role("heading", name="Remissen är mottagen")).to_be_visible()
    reference = nurse.locator("#receipt-ref").inner_text()
    assert re.fullmatch(r"SR-[0-9A-F]{10}", reference)
    check_screen(nurse, "school-receipt")

    # the contact centre: in the queue at once, on the school channel, the clock started at submission
    found = ws.api("intake", "clinician").get(f"/api/school-referrals/{reference}").json()
    case_id = found["case_id"]
    kc = sign_in(chromium, ws, "clinician")
    row = kc.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text("Digital skolremiss")
    expect(row).to_contain_text(before.date().isoformat())
    expect(row).to_contain_text("3 dagar kvar")  # submitted today: day 0 of 3
    expect(row).to_contain_text("I tid")
    check_screen(kc, "work-queue-school-form")
    kc.get_by_role("link", name=case_id).click()
    expect(kc.get_by_role("heading", name="Remiss från elevhälsan")).to_be_visible()
    expect(kc.get_by_text("Eleven har varit borta sex veckor")).to_be_visible()
    expect(kc.get_by_role("link", name="elevhalsan.pdf")).to_be_visible()
    check_screen(kc, "case-school-referral")

    # the nurse's list says "Mottagen"; after the clinician's assessment it says "Bedömd", by itself
    nurse.get_by_role("link", name="Skolans remisser").first.click()
    status = nurse.locator(f'tr[data-referral="{reference}"] td.status')
    expect(status).to_have_text("Mottagen")
    kc.get_by_role("button", name="Registrera råd").click()
    expect(kc.get_by_text("Råd givet")).to_be_visible()
    expect(status).to_have_text("Bedömd", timeout=10_000)
    check_screen(nurse, "school-status-assessed")
    page_text = nurse.locator("main").inner_text()
    assert pnr not in page_text and "sex veckor" not in page_text and case_id not in page_text
    assert pnr not in browser_storage(nurse)

    # a student health member of another school sees none of it
    other = school_sign_in(chromium, ws, KAGE)
    expect(other.locator("#school-status")).to_contain_text("Kågeskolan")
    assert reference not in other.locator("main").inner_text()
    other.goto(f"{ws.url}/skola/kvitto/{reference}")
    expect(other.get_by_role("alert")).to_contain_text("finns inte bland din skolas remisser")
    # nor may a school sender open the staff pages
    other.goto(f"{ws.url}/cases/{case_id}")
    expect(other.get_by_role("heading", name="Åtkomst nekas")).to_be_visible()
