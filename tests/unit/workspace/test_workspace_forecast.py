"""The referral forecast page: the next weeks per day in words (channels by name, the band, hours needed against
planned, the days that miss the promise with the hours short), the staffing plan saved by the contact centre's head
(post/redirect/get; bad numbers refused per field in Swedish and English), and no page for roles without the figures."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.workspace.app import build
from services.workspace.forecast import field_of, number, read_plan
from services.workspace.settings import WorkspaceSettings
from tests.unit.workspace.test_workspace_app import signed_in

COLUMNS = ["day", "weekday", "edi", "paper", "phone", "partner", "school_form", "total", "total_low", "total_high",
           "hours_needed", "hours_planned", "hours_short", "late_on_arrival", "misses_promise"]


def _row(day: str, short: float, planned: float) -> dict[str, Any]:
    return {"day": day, "weekday": 1, "edi": 2.5, "paper": 1.0, "phone": 0.0, "partner": 0.0, "school_form": 3.0,
            "total": 6.5, "total_low": 2.3, "total_high": 10.7, "hours_needed": 8.7, "hours_planned": planned,
            "hours_short": short, "late_on_arrival": 0.0, "misses_promise": short > 0}


@pytest.fixture
def app_and_plans(tmp_path: Path):  # type: ignore[no-untyped-def]
    saved: list[dict[str, Any]] = []

    def kpi(request: httpx.Request) -> httpx.Response:
        if request.url.host != "kpi":
            return httpx.Response(200, json=[])  # booking's list of units: none needed here
        if request.url.path == "/api/kpi/staffing-plan" and request.method == "PUT":
            body = json.loads(request.content)
            if body["hours"][6] == 499:  # as the KPI service answers a value it refuses
                return httpx.Response(422, json={"errors": [{"field": "hours.6", "code": "too_large",
                                                             "sv": "Högst 500.", "en": "At most 500."}]})
            saved.append(body)
            return httpx.Response(200, json={"stored": True})
        planned = saved[-1]["hours"][0] if saved else 0.0
        return httpx.Response(200, json={
            "columns": COLUMNS, "days_missing_promise": 1 if planned < 8.7 else 0,
            "plan": {"stored": bool(saved), "hours": saved[-1]["hours"] if saved else [0.0] * 7,
                     "advice_minutes": 20, "interview_minutes": 60},
            "rows": [_row("2026-03-02", 0.0, planned), _row("2026-03-03", 0.0 if planned >= 8.7 else 3.4, planned)]})

    settings = WorkspaceSettings(data_dir=tmp_path, local_signin=True, kpi_url="http://kpi")
    app = build(settings)[1]
    app.state.web.backend.http = httpx.AsyncClient(transport=httpx.MockTransport(kpi))
    return app, saved


def test_numbers_read_with_either_decimal_sign_and_refused_per_field() -> None:
    plan, errors = read_plan(["8", "8,5", "8.5", "0", "7", "0", "0"], {"advice_minutes": "20", "interview_minutes": "60"}, "sv")
    assert errors == {} and plan == {"hours": [8, 8.5, 8.5, 0, 7, 0, 0], "advice_minutes": 20, "interview_minutes": 60}
    plan, errors = read_plan(["x", "8", "-1", "8", "501", "0", ""], {"advice_minutes": "0", "interview_minutes": "60"}, "en")
    assert plan is None and set(errors) == {"hours_0", "hours_2", "hours_4", "hours_6", "advice_minutes"}
    assert errors["hours_0"] == "Enter the hours as a number from 0 to 500."
    assert number(8.75, "sv") == "8,8" and number(8.0, "en") == "8" and field_of("hours.3") == "hours_3"


async def test_the_head_sees_the_days_in_words_saves_a_plan_and_the_short_days_are_marked(app_and_plans: Any) -> None:
    app, saved = app_and_plans
    async with signed_in(app, "kc_head") as c:
        page = await c.get("/forecast")
        assert page.status_code == 200, page.text
        html = page.text
        assert 'href="/forecast"' in html and "Prognos och bemanning" in html  # in the head's navigation
        assert "EDI-remiss" in html and "Digital skolremiss" in html and "school_form" not in html
        assert "måndag 2/3" in html and "6,5 (2,3–10,7)" in html
        assert "Ingen bemanningsplan är sparad" in html and "Missar löftet: 3,4 timmar fattas" in html
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"csrf_token": token, **{f"hours_{i}": "9" for i in range(5)}, "hours_5": "0", "hours_6": "0",
                "advice_minutes": "20", "interview_minutes": "60"}
        bad = await c.post("/forecast/plan", data={**form, "hours_2": "nio"}, headers={"Origin": "http://localhost"})
        assert bad.status_code == 422 and "Ange timmar som ett tal från 0 till 500." in bad.text
        assert 'id="hours_2" name="hours_2" inputmode="decimal" size="6" value="nio" aria-invalid="true"' in bad.text
        refused = await c.post("/forecast/plan", data={**form, "hours_6": "499"}, headers={"Origin": "http://localhost"})
        assert refused.status_code == 422 and 'id="err-hours_6"' in refused.text and "Högst 500." in refused.text
        assert saved == []
        r = await c.post("/forecast/plan", data=form, headers={"Origin": "http://localhost"})
        assert r.status_code == 303 and r.headers["location"] == "/forecast?saved=1"
        assert saved == [{"hours": [9.0] * 5 + [0.0, 0.0], "advice_minutes": 20.0, "interview_minutes": 60.0}]
        after = (await c.get("/forecast?saved=1")).text
        assert "Bemanningsplanen är sparad." in after and "Missar löftet" not in after and 'value="9"' in after


async def test_roles_with_the_figures_see_the_page_without_the_form_and_others_not_at_all(app_and_plans: Any) -> None:
    app, _ = app_and_plans
    async with signed_in(app, "coordinator") as c:
        page = await c.get("/forecast")
        assert page.status_code == 200 and "EDI-remiss" in page.text and 'action="/forecast/plan"' not in page.text
    async with signed_in(app, "call_handler") as c:
        assert (await c.get("/forecast")).status_code == 403
