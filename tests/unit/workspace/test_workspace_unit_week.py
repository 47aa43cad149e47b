"""The unit's week on the workspace: each day's times counted by state, the chosen day's times drawn, another
day's on a click (htmx asks for the week's panel with that day)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.booking.app import build as build_booking
from services.booking.settings import BookingSettings
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer
from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings
from tests.unit.workspace.browserlike import browser_like

UNIT = "hc-teg"
SLOT = re.compile(r'<li class="slot (free|held|booked)">(\d\d:\d\d)')


@pytest.fixture
def booking(tmp_path: Path) -> Iterator[Any]:
    issuer = LocalIssuer(tmp_path / "keys")
    rt, app = build_booking(BookingSettings(database_url=f"sqlite:///{tmp_path / 'b.db'}", data_dir=tmp_path / "b",
                                            auth_jwks_file=issuer.jwks_file))
    rt.migrate()
    yield app, issuer
    rt.db.dispose()


async def _slots(booking: Any, monday: datetime) -> None:
    app, issuer = booking
    token = issuer.token("scheduler", unit=UNIT)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        for day, hour in ((1, 9), (1, 10), (3, 9)):
            at = datetime.combine(monday.date() + timedelta(days=day), time(hour), tzinfo=STOCKHOLM)
            r = await c.post(f"/api/units/{UNIT}/slots", json={"starts_at": at.isoformat(), "profession": "psychologist"},
                             headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.text


async def test_the_week_shows_counts_per_day_and_one_days_times(tmp_path: Path, booking: Any) -> None:
    today = datetime.now(STOCKHOLM)
    monday = today + timedelta(days=7 - today.weekday())  # next week: no time of it has passed
    await _slots(booking, monday)
    app = build(WorkspaceSettings(data_dir=tmp_path / "ws", local_signin=True, local_issuer_dir=tmp_path / "keys"))[1]
    app.state.web.backend.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=booking[0]))
    week = monday.date().isoformat()
    async with browser_like(app) as c:
        assert (await c.post("/signin", data={"role": "scheduler", "unit": UNIT, "lang": "sv"})).status_code == 303
        page = (await c.get("/unit", params={"week": week})).text
        assert SLOT.findall(page) == [("free", "09:00"), ("free", "10:00")]  # the first day with times: Tuesday
        assert page.count("Lediga 2 · hålls 0 · bokade 0") == 1 and page.count("Lediga 1 · hålls 0 · bokade 0") == 1
        assert page.count("<span class=\"muted\">Inga tider</span>") == 5 and 'aria-current="date"' in page
        thursday = (monday.date() + timedelta(days=3)).isoformat()
        assert f'hx-get="/unit/week?unit_id={UNIT}&amp;week={week}&amp;day={thursday}"' in page
        panel = await c.get("/unit/week", params={"unit_id": UNIT, "week": week, "day": thursday},
                            headers={"HX-Request": "true"})
        assert panel.status_code == 200 and SLOT.findall(panel.text) == [("free", "09:00")]
        assert panel.text.lstrip().startswith('<section class="panel" aria-labelledby="week-h" id="week-panel">')
        bad = await c.get("/unit", params={"week": "not-a-date", "day": "nor-this"})
        assert bad.status_code == 200
