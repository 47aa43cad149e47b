"""Summer planning on the weekly KC–BUP meeting page: the chosen period asked of booking, each unit's expected
visits, times and gap in words (Swedish or English, no codes), and the CSV for the meeting."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings
from services.workspace.summer import default_period, period
from tests.unit.workspace.test_workspace_app import signed_in

UNITS = [{"unit_id": "hc-sorsele", "name": "Sorsele sjukstuga", "level": "first_line"},
         {"unit_id": "bup-umea", "name": "BUP Umeå", "level": "specialist"}]
SUMMER = {"from": "2027-06-01", "to": "2027-08-31", "gap_total": 7, "units": [
    {"unit_id": "hc-sorsele", "name": "Sorsele sjukstuga", "level": "first_line", "working_days": 63,
     "expected": 9.0, "basis": "last_year", "times": 2, "gap": 7},
    {"unit_id": "bup-umea", "name": "BUP Umeå", "level": "specialist", "working_days": 63, "expected": 40.5,
     "basis": "recent_weeks", "times": 80, "gap": 0}]}


@pytest.fixture
def app_and_asks(tmp_path: Path):  # type: ignore[no-untyped-def]
    asked: list[httpx.Request] = []

    def booking(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        path = request.url.path
        if path == "/api/units":
            return httpx.Response(200, json=UNITS)
        if path == "/api/meeting/free-new-visits":
            return httpx.Response(200, json={"units": [{**u, "free_by_week": {"2027-W23": 3}} for u in UNITS]})
        if path == "/api/meeting/summer" and request.url.params.get("format") == "csv":
            return httpx.Response(200, text="unit_id,name,level,working_days,expected,basis,times,gap\n")
        if path == "/api/meeting/summer":
            return httpx.Response(200, json=SUMMER)
        return httpx.Response(404, json={"errors": []})

    settings = WorkspaceSettings(data_dir=tmp_path, local_signin=True, booking_url="http://booking")
    app = build(settings)[1]
    app.state.web.backend.http = httpx.AsyncClient(transport=httpx.MockTransport(booking))
    return app, asked


def test_the_default_period_is_this_summer_or_next_once_it_is_over() -> None:
    assert default_period(date(2027, 3, 1)) == (date(2027, 6, 1), date(2027, 8, 31))
    assert default_period(date(2027, 9, 1)) == (date(2028, 6, 1), date(2028, 8, 31))
    assert period(date(2027, 3, 1), "2027-07-01", "2027-07-31") == (date(2027, 7, 1), date(2027, 7, 31))
    assert period(date(2027, 3, 1), "juli", None) == (date(2027, 6, 1), date(2027, 8, 31))


async def test_the_meeting_shows_each_units_gap_in_words_and_offers_the_csv(app_and_asks: Any) -> None:
    app, asked = app_and_asks
    async with signed_in(app, "kc_head") as c:
        page = await c.get("/meeting", params={"from": "2027-06-01", "to": "2027-08-31"})
        csv = await c.get("/meeting/summer.csv", params={"from": "2027-06-01", "to": "2027-08-31"})
    assert page.status_code == 200, page.text
    summer = [r for r in asked if r.url.path == "/api/meeting/summer"]
    assert summer[0].url.params["from"] == "2027-06-01" and summer[0].url.params["to"] == "2027-08-31"
    html = page.text
    assert "Sommarplanering: förväntade nybesök mot tider" in html and "Tider att lägga till totalt: 7" in html
    assert "samma veckor förra året" in html and "de senaste veckornas takt" in html
    assert '<span class="badge risk">7</span>' in html and "räcker" in html
    assert "last_year" not in html and "recent_weeks" not in html
    assert 'href="/meeting/summer.csv?from=2027-06-01&amp;to=2027-08-31"' in html
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "sommarplanering_2027-06-01_2027-08-31.csv" in csv.headers["content-disposition"]
