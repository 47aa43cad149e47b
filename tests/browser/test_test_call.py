"""The embedded default's test call in Chromium: a clinician rings a call for herself with the button, it appears
under incoming calls, and taking it opens the call's form filled in with what the phone showed."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Workspace
from tests.browser.test_workspace import browser_storage, check_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Iterator[Workspace]:
    yield workspace


def test_the_test_call_button_rings_a_call_that_the_clinician_takes_with_the_form_filled_in(
        chromium: Browser, ws: Workspace) -> None:
    page = sign_in(chromium, ws, "clinician")
    button = page.get_by_role("button", name="Testsamtal (inbyggd standardmiljö)")
    expect(button).to_be_visible()
    expect(page.get_by_text("Finns bara i den inbyggda standardmiljön")).to_be_visible()
    check_screen(page, "work-queue-test-call")
    button.click()
    incoming = page.locator("li[data-call^=test-]")
    expect(incoming).to_contain_text("1177", timeout=10_000)
    incoming.get_by_role("link", name="Ta samtalet").click()
    expect(page.get_by_label("Barnets personnummer")).to_have_value(re.compile(r"^\d{8}-\d{4}$"))
    expect(page.get_by_label("Vårdnadshavarens mobilnummer")).to_have_value(re.compile(r"^\+46701740\d{3}$"))
    assert "+4670" not in browser_storage(page)  # the caller's details stay on the server
    # the call is taken: it leaves the incoming calls (the other tests expect none waiting)
    page.get_by_label("Kommun").select_option("Umeå")
    page.get_by_role("button", name="Hitta eller öppna ärende").click()
    expect(page.get_by_text("Ärendet är öppnat.")).to_be_visible()
