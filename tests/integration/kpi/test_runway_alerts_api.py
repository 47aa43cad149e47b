"""The runway KPI on the service: SlotRunwayShort folded by the live batch (once, however often delivered), the
figure as JSON and CSV for the roles of the other figures, refused to others."""
from __future__ import annotations

from sqlmodel import Session, select

from services.kpi.store.tables import RunwayAlertRow
from tests.integration.kpi.test_kpi_api import client, feed
from tests.integration.kpi.test_kpi_api import service as service
from tests.unit.kpi.builders import CaseBuilder, at, runway_short


async def test_alerts_before_searches_without_a_time_are_counted_per_unit(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service
    alert = runway_short("hc-sorsele", at("2023-03-06", 2))
    c = CaseBuilder()
    c.referral(at("2023-03-01"), municipality="Sorsele")
    c.no_slots(at("2023-03-15", 14), units=("hc-sorsele", "hc-mala"))
    feed(rt, [alert, *c.events, alert])  # delivered twice: stored once
    with Session(rt.db.engine) as s:
        assert len(s.exec(select(RunwayAlertRow)).all()) == 1
    async with client(app) as http:
        for role in ("kpi_analyst", "kc_head", "coordinator"):
            auth = {"Authorization": f"Bearer {issuer.token(role)}"}
            r = await http.get("/api/kpi/figures/runway_alerts?from=2023-03&to=2023-03&by=unit", headers=auth)
            assert r.status_code == 200, r.text
        rows = {x["unit"]: x for x in r.json()["rows"]}
        assert (rows["hc-sorsele"]["preceded_by_alert"], rows["hc-sorsele"]["lead_days_total"]) == (1, 9)
        assert (rows["hc-mala"]["no_slot_occasions"], rows["hc-mala"]["preceded_by_alert"]) == (1, 0)
        r = await http.get("/api/kpi/figures/runway_alerts?from=2023-03&to=2023-03&format=csv", headers=auth)
        assert r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[0].startswith("period,alerts,no_slot_occasions,preceded_by_alert,lead_days_total")
        r = await http.get("/api/kpi/figures/runway_alerts?by=sex", headers=auth)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "by")
        clinician = {"Authorization": f"Bearer {issuer.token('clinician')}"}
        assert (await http.get("/api/kpi/figures/runway_alerts", headers=clinician)).status_code == 403


def test_the_replay_keeps_the_same_alerts_as_the_live_fold_and_a_rebuild_starts_them_afresh(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from services.kpi.batch import Folder
    from services.kpi.replay import open_store
    from services.kpi.settings import KpiSettings
    from services.kpi.store.bulk import clear_projections

    db = open_store(KpiSettings(data_dir=tmp_path, database_url=db_url))
    alerts = [runway_short("hc-sorsele", at("2023-03-06", 2)), runway_short("hc-mala", at("2023-03-07", 2), "gap")]
    folder = Folder()
    for d in [*alerts, alerts[0]]:  # redelivered within the chunk too
        folder.add(json.dumps(d).encode())
    folder.flush(db)
    folder.add(json.dumps(alerts[1]).encode())  # and in a later chunk, over the rows already there
    folder.flush(db)
    with Session(db.engine) as s:
        rows = sorted((r.unit_id, r.day.isoformat(), r.reason) for r in s.exec(select(RunwayAlertRow)))
        assert rows == [("hc-mala", "2023-03-07", "gap"), ("hc-sorsele", "2023-03-06", "runway")]
        clear_projections(s)
        s.commit()
        assert s.exec(select(RunwayAlertRow)).all() == []
    db.dispose()
