"""The referral forecast on the service: only the contact centre's head saves the staffing plan (bad hours refused
in Swedish and English); the next weeks' expected referrals by channel against it, as JSON and CSV."""
from __future__ import annotations

from tests.integration.kpi.test_kpi_api import client, feed
from tests.integration.kpi.test_kpi_api import service as service  # the fixture
from tests.unit.kpi.builders import CaseBuilder, at


async def test_the_head_saves_a_plan_and_the_forecast_marks_the_days_it_leaves_short(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service  # the service's today: 2023-03-30
    events = []
    for day in range(1, 29):  # March: three EDI referrals every weekday, each decided after an interview
        if (d := f"2023-03-{day:02d}") and at(d).weekday() < 5:
            for _ in range(3):
                c = CaseBuilder()
                c.referral(at(d), channel="edi")
                c.decided(at(d, 15), "primary_care")
                events += c.events
    feed(rt, events)
    head = {"Authorization": f"Bearer {issuer.token('kc_head')}"}
    analyst = {"Authorization": f"Bearer {issuer.token('kpi_analyst')}"}
    async with client(app) as http:
        assert (await http.get("/api/kpi/staffing-plan", headers=analyst)).json()["stored"] is False
        bad = await http.put("/api/kpi/staffing-plan", headers=head, json={"hours": [8, 8, -1, 8, 8, 0]})
        assert bad.status_code == 422 and all(e["sv"] and e["en"] for e in bad.json()["errors"])
        plan = {"hours": [2, 2, 2, 2, 2, 0, 0], "advice_minutes": 20, "interview_minutes": 60}
        assert (await http.put("/api/kpi/staffing-plan", headers=analyst, json=plan)).status_code == 403
        saved = await http.put("/api/kpi/staffing-plan", headers=head, json=plan)
        assert saved.status_code == 200 and saved.json()["stored"] is True
        r = await http.get("/api/kpi/forecast/referrals", headers=analyst, params={"weeks": 2})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["from"] == "2023-03-30" and len(body["rows"]) == 14 and body["share_interviewed"] == 1.0
        monday = next(x for x in body["rows"] if x["day"] == "2023-04-03")
        assert abs(monday["edi"] - 3.0) < 0.2 and abs(monday["hours_needed"] - 4.0) < 0.3  # 3 × 80 minutes
        assert body["days_missing_promise"] > 0  # 4 hours a weekday against 2 planned
        assert any(x["hours_short"] > 0 and x["misses_promise"] for x in body["rows"])
        csv = await http.get("/api/kpi/forecast/referrals", headers=analyst, params={"weeks": 1, "format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv") and len(csv.text.splitlines()) == 8
        assert csv.text.startswith("day,weekday,edi,paper,phone,partner,school_form,total,")
        clinician = {"Authorization": f"Bearer {issuer.token('clinician')}"}
        assert (await http.get("/api/kpi/forecast/referrals", headers=clinician)).status_code == 403
