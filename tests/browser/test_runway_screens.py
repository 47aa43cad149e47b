"""The runway in Chromium: the coordinators' board lists how long every unit's first-visit times last, the short
ones marked, and the unit head's week shows its own unit's line; in Swedish and English, in words."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import Browser, expect

from services.chassis.clock import STOCKHOLM
from tests.browser.conftest import Workspace, a_workspace_system
from tests.browser.screens import settle, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.broker]
UNIT = "hc-mala"  # no other browser test puts times here
MONTHS_SV = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A system of its own (asked for before Chromium, whose loop would be running): six weeks of new-visit times near Sorsele would leave the other browser tests' Sorsele
    family with a time instead of the no-bookable-times routine they show."""
    with a_workspace_system(tmp_path_factory.mktemp("runway-system")) as ws:
        yield ws


def thirty_working_days_of_times(ws: Workspace) -> datetime:
    """Two new-visit times a working day at Malå for six weeks from tomorrow; the last day with a time."""
    day, made, last = datetime.now(STOCKHOLM).date(), 0, None
    with ws.api("booking", "scheduler", unit=UNIT) as booking:
        units = booking.get("/api/units").json()
        profession = next(u for u in units if u["unit_id"] == UNIT)["professions"][0]
        while made < 30:
            day += timedelta(days=1)
            if day.weekday() >= 5:
                continue
            for hour in (9, 13):
                at = datetime.combine(day, time(hour), STOCKHOLM)
                r = booking.post(f"/api/units/{UNIT}/slots", json={"starts_at": at.isoformat(), "profession": profession})
                assert r.status_code == 201, r.text
            made, last = made + 1, at
    assert last is not None
    return last


def test_the_board_and_the_units_week_say_how_long_the_times_last(workspace: Workspace, chromium: Browser) -> None:
    last = thirty_working_days_of_times(workspace)
    until = f"{last.day} {MONTHS_SV[last.month - 1]} {last.year}"
    board = sign_in_as(chromium, workspace.url, "coordinator")
    board.goto(f"{workspace.url}/board")
    settle(board)
    runway = board.locator("#runway")
    expect(runway.get_by_role("heading", name="Tider för nybesök")).to_be_visible()
    expect(runway.locator("li")).to_have_count(43)  # every unit, shortest first
    mala = runway.locator(f'li[data-unit="{UNIT}"]')
    expect(mala).to_contain_text("Malå")
    # no family from Malå decided: no demand, so the times last until the calendar's last day; not short
    expect(mala).to_contain_text(f"Tider räcker till och med {until}")
    expect(mala).not_to_have_class("warning")
    sorsele = runway.locator('li[data-unit="hc-sorsele"]')  # no times at all: short, told to add times
    expect(sorsele).to_have_class("warning")
    expect(sorsele).to_contain_text("Inga tider inom löftet redan i dag – lägg in fler tider.")
    board.context.close()

    week = sign_in_as(chromium, workspace.url, "unit_head", UNIT, lang="en")
    week.goto(f"{workspace.url}/unit")
    settle(week)
    line = week.locator("#runway li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(f"Times last until {last.day} {MONTHS_EN[last.month - 1]} {last.year}")
    expect(line).not_to_contain_text("add times")
    expect(week.locator("#runway h2")).to_have_text("First-visit times")
    week.context.close()
