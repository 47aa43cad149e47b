"""The demand forecast on the KPI service: published (through the outbox, keyed by scope) by ops or the contact
centre's head, shown to the figures' roles; nothing is published from too little history."""
from __future__ import annotations

import json

from sqlmodel import Session, select

from services.chassis.tables import OutboxRow
from tests.integration.kpi.test_kpi_api import client, feed
from tests.integration.kpi.test_kpi_api import service as service  # the fixture
from tests.unit.kpi.builders import CaseBuilder, at


def _published(rt) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.event_type == "DemandForecastPublished")).all()
        return [(r.key, json.loads(r.payload)) for r in rows]


async def test_the_forecast_is_published_on_demand_from_the_decided_cases(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service  # the service's today: 2023-03-30
    head = {"Authorization": f"Bearer {issuer.token('kc_head')}"}
    async with client(app) as http:
        empty = await http.post("/api/kpi/forecast/demand", headers=head)
        assert empty.status_code == 200 and empty.json()["published"] is False and _published(rt) == []
    events = []
    for day in range(1, 30):  # March: two Umeå families a weekday to primary care, one Sorsele family to BUP
        if (d := f"2023-03-{day:02d}") and at(d).weekday() < 5:
            for municipality, level in (("Umeå", "primary_care"), ("Umeå", "primary_care"), ("Sorsele", "bup")):
                c = CaseBuilder()
                c.referral(at(d), municipality=municipality)
                c.decided(at(d, 15), level)
                events += c.events
    feed(rt, events)
    async with client(app) as http:
        shown = await http.get("/api/kpi/forecast/demand", headers={
            "Authorization": f"Bearer {issuer.token('kpi_analyst')}"})
        assert shown.status_code == 200 and shown.json()["published"] is False and _published(rt) == []
        assert (await http.post("/api/kpi/forecast/demand", headers={
            "Authorization": f"Bearer {issuer.token('kpi_analyst')}"})).status_code == 403
        r = await http.post("/api/kpi/forecast/demand", headers=head)
        assert r.status_code == 200 and r.json()["published"] is True
    [(key, event)] = _published(rt)
    p = event["payload"]
    assert key == "region" and event["case_id"] is None
    assert (p["first_day"], p["days"], p["method"]) == ("2023-03-30", 56, "recent_weeks")
    cells = {(c["municipality"], c["level"]): c for c in p["cells"]}
    assert set(cells) == {("Umeå", "primary_care"), ("Sorsele", "bup")}
    monday = 4  # 3 April
    assert abs(cells[("Umeå", "primary_care")]["expected"][monday] - 2.0) < 0.05
    assert abs(cells[("Sorsele", "bup")]["expected"][monday] - 1.0) < 0.05
    assert "patient_ref" not in json.dumps(event) and "P-" not in json.dumps(p)
