"""The friction a new user met, each with the check that fails if it comes back (issue 22's list)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Workspace
from tests.browser.screens import settle, sign_in_as
from tests.browser.story import Story

pytestmark = [pytest.mark.browser, pytest.mark.broker]


def test_the_queue_counts_in_words_and_a_broken_promise_is_not_at_risk(chromium: Browser, workspace: Workspace,
                                                                      story: Story) -> None:
    page = sign_in_as(chromium, workspace.url, "call_handler")
    settle(page)
    broken = page.locator(f'tr[data-case="{story.broken_case}"]')
    expect(broken).to_contain_text("Löftet brutet")
    expect(broken).to_contain_text(re.compile(r"\b\d+ dagar? över"))  # not "-3" under "Dagar kvar"
    expect(page.locator(f'tr[data-case="{story.paper_case}"]')).to_contain_text("sista dagen")
    risking = page.locator("#queue tbody tr.risk").count()
    missed = page.locator("#queue tbody tr.broken").count()
    assert risking >= 1 and missed >= 1
    summary = page.locator("#queue p").first.inner_text()
    assert (f"{risking} ärende riskerar" if risking == 1 else f"{risking} ärenden riskerar") in summary, summary
    assert (f"{missed} ärende har redan" if missed == 1 else f"{missed} ärenden har redan") in summary, summary
    page.context.close()
