"""Every screen of the workspace, as the role that uses it reaches it; signing in and waiting for a screen to settle.

Used by the no-codes test (each screen in both languages) and by the screenshots in docs/screenshots/.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from playwright.sync_api import Browser, Page

VIEWPORT = {"width": 1366, "height": 768}
LOADING = ("Hämtar…", "Loading…", "ett ögonblick…", "a moment…", "Larmet skickas…", "Sending the alert…")


@dataclass(frozen=True)
class Screen:
    name: str
    role: str
    path: str  # may name a story field in braces: /cases/{booked_case}
    unit: str = ""


SCREENS: tuple[Screen, ...] = (
    Screen("signin", "", "/signin"),
    Screen("school-signin", "", "/skola/signin"),
    Screen("family-signin", "", "/familj/signin"),
    Screen("contact-us", "", "/kontakt"),
    Screen("work-queue", "call_handler", "/queue"),
    Screen("incoming-call", "call_handler", "/calls/{waiting_call}"),
    Screen("paper-referral", "call_handler", "/referrals/paper"),
    Screen("case-booked", "call_handler", "/cases/{booked_case}"),
    Screen("case-paper-referral", "call_handler", "/cases/{paper_case}"),
    Screen("case-proposal", "clinician", "/cases/{proposal_case}"),
    Screen("case-risk", "clinician", "/cases/{risk_case}"),
    Screen("case-no-slots", "clinician", "/cases/{no_slots_case}"),
    Screen("case-school-referral", "clinician", "/cases/{school_case}"),
    Screen("weekly-meeting", "clinician", "/meeting"),
    Screen("coordinators-board", "coordinator", "/board"),
    Screen("case-collaboration", "coordinator", "/cases/{proposal_case}"),
    Screen("kc-head-unit", "kc_head", "/unit?unit_id=bup-umea"),
    Screen("referral-forecast", "kc_head", "/forecast"),
    Screen("unit-week", "scheduler", "/unit", unit="hc-stenbergska"),
    Screen("unit-waiting-list", "scheduler", "/unit", unit="bup-umea"),
    Screen("unit-head", "unit_head", "/unit", unit="hc-sorsele"),
    Screen("school-home", "school_sender", "/skola"),
    Screen("school-form", "school_sender", "/skola/ny"),
    Screen("school-receipt", "school_sender", "/skola/kvitto/{school_ref}"),
    Screen("kpi-analyst", "kpi_analyst", "/no-personal-data"),
    Screen("refused", "kpi_analyst", "/queue"),
)


def new_page(browser: Browser) -> Page:
    # bypass_csp only so a test can inject axe-core; the pages themselves run under a strict CSP
    return browser.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm",
                               bypass_csp=True).new_page()


def sign_in_as(browser: Browser, base: str, role: str, unit: str = "", lang: str = "sv") -> Page:
    page = new_page(browser)
    if role == "school_sender":
        page.goto(f"{base}/skola/signin?lang={lang}")
        page.locator("#school").select_option(index=0)
    else:
        page.goto(f"{base}/signin?lang={lang}")
        page.locator("#role").select_option(role)
        if unit:
            page.locator("#unit").select_option(unit)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    return page


def settle(page: Page, timeout_s: float = 20.0) -> None:
    """Wait until the page's panels have loaded (htmx fragments say 'Hämtar…' or 'a moment…' until then)."""
    page.wait_for_load_state()
    deadline = time.monotonic() + timeout_s
    page.wait_for_timeout(800)
    while time.monotonic() < deadline:
        text = page.locator("body").inner_text()
        if not any(w in text for w in LOADING):
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(400)
