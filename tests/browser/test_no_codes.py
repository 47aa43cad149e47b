"""Words, not codes: every workspace screen and the KPI dashboard, in Swedish and English, with a morning's data.

A person reads 'Stenbergska hälsocentral', 'Samtal besvarat 09:14' and 'Stegvis utredning av ADHD', never
`hc-stenbergska`, `CallAnswered` or `stepwise_adhd_assessment`. The story (tests/browser/story.py) first drives
a call, referrals, an interview, a decision, a booking, a risk, a collaboration and a school form through the
services, so each screen shows what it shows on a working day.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.codes import codes_in, codes_on
from tests.browser.conftest import Workspace
from tests.browser.screens import SCREENS, Screen, new_page, settle, sign_in_as
from tests.browser.story import Story

pytestmark = [pytest.mark.browser, pytest.mark.broker]


def test_the_code_finder_finds_what_staff_were_shown_before() -> None:
    """The finder itself: each kind of code the workspace used to show is caught, case numbers are not."""
    seen = ("Inloggad som Schemaläggare på enhet · hc-stenbergska\ncall-7 · CallOffered 09:10 · CallAnswered 09:14\n"
            "PC-1 Ängslan (2 scales at signal (generalised_anxiety, low_mood) >= 1)\nLarmad: S-DUTY-WEEKEND via SMS")
    found = " ".join(codes_in(seen, ["call-7"]))
    for code in ("'hc-stenbergska'", "'CallOffered'", "'CallAnswered'", "'generalised_anxiety'", "'low_mood'",
                 "'S-DUTY-WEEKEND'", "'call-7'", "'PC-1'"):
        assert code in found, code
    assert not codes_in("Ärende C-36CRGTSTTHEV · Referens SR-0A1B2C3D4E · BUP · 1177 val 2 · e-post", ["call-7"])


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_every_workspace_screen_speaks_in_words(chromium: Browser, workspace: Workspace, story: Story,
                                                screen: Screen, lang: str) -> None:
    if screen.role:
        page = sign_in_as(chromium, workspace.url, screen.role, screen.unit, lang)
        page.goto(workspace.url + screen.path.format(**story.__dict__))
    else:
        page = new_page(chromium)
        page.goto(f"{workspace.url}{screen.path}?lang={lang}")
    settle(page)
    assert page.locator("html").get_attribute("lang") == lang
    found = codes_on(page, [*story.raw_ids, story.waiting_call])
    page.context.close()
    assert not found, "\n".join([f"{screen.name} ({lang}) shows codes:", *sorted(set(found))])


def test_the_kpi_dashboard_speaks_in_words(chromium: Browser, workspace: Workspace, story: Story) -> None:
    token = workspace.issuer.token("kpi_analyst")
    page = new_page(chromium)
    page.goto(f"http://127.0.0.1:{workspace.system.ports['kpi']}/dashboard#token={token}")
    page.wait_for_function("document.body.dataset.loaded >= 1", timeout=30_000)
    found = codes_on(page, [*story.raw_ids, story.waiting_call])
    page.context.close()
    assert not found, "\n".join(["the KPI dashboard shows codes:", *sorted(set(found))])
