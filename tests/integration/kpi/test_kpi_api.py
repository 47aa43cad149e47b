"""The KPI service's HTTP API and clock watch on both databases: figures as JSON and CSV, the quarterly
report, the audited clock board, GuaranteeAtRisk before the breach, roles and bilingual errors."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from contracts.registry import parse_event
from services.chassis.clock import FixedClock
from services.chassis.tables import AuditRecord, OutboxRow
from services.kpi.app import build
from services.kpi.clockwatch import scan_once
from services.kpi.rules import load_definitions, load_rules
from services.kpi.settings import KpiSettings
from services.kpi.use_cases import project_batch
from tests.unit.kpi.builders import CaseBuilder, at


@pytest.fixture
def service(tmp_path: Path, db_url: str, issuer):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2023, 3, 30, 9, tzinfo=UTC))
    rt, app = build(KpiSettings(data_dir=tmp_path, database_url=db_url, auth_jwks_file=issuer.jwks_file),
                    clock=clock)
    rt.migrate()
    yield rt, app, clock
    rt.db.dispose()


def feed(rt, events: list[dict[str, Any]]) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    for d in events:
        with rt.db.uow() as uow:
            project_batch(uow, rules, [parse_event(d)], rt.clock.now())  # one event per transaction
            uow.commit()


def client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kpi")


def march_cases() -> list[CaseBuilder]:
    cases = []
    for i in range(6):
        c = CaseBuilder()
        c.referral(at("2023-03-01"), sex="female" if i < 5 else "male", municipality="Umeå")
        c.advice(at("2023-03-02" if i < 4 else "2023-03-08"))
        cases.append(c)
    return cases


async def test_figure_as_json_for_charts_and_suppressed_csv_for_export(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service
    feed(rt, [e for c in march_cases() for e in c.events])
    auth = {"Authorization": f"Bearer {issuer.token('kpi_analyst')}"}
    async with client(app) as http:
        r = await http.get("/api/kpi/figures/assessment_3d?from=2023-03&to=2023-03&by=sex", headers=auth)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["target"] == 0.9 and body["title_sv"].startswith("Medicinsk bedömning")
        assert {x["sex"]: (x["completed"], x["met"]) for x in body["rows"]} == {"female": (5, 4), "male": (1, 0)}
        r = await http.get("/api/kpi/figures/assessment_3d?from=2023-03&to=2023-03&by=sex&format=csv", headers=auth)
        assert r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[2].startswith("2023-03,male,<5,0,<5")  # zero is not a small cell
        r = await http.get("/api/kpi/figures/assessment_3d?from=2023-13&grain=week&sex=girl", headers=auth)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"from", "grain", "sex"}
        assert all(e["sv"] and e["en"] for e in r.json()["errors"])
        r = await http.get("/api/kpi/figures/assessment_3d?format=xml", headers=auth)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "format")
        assert (await http.get("/api/kpi/figures/assessment_3d")).status_code == 401
        clinician = {"Authorization": f"Bearer {issuer.token('clinician')}"}
        assert (await http.get("/api/kpi/figures/assessment_3d", headers=clinician)).status_code == 403


async def test_quarterly_report_per_unit_and_rule_as_csv_and_printable_page(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service
    cases = []
    for i in range(5):
        c = CaseBuilder()
        c.referral(at("2023-01-09")); c.advice(at("2023-01-10"))
        c.decided(at("2023-01-10"), "primary_care")
        c.booked("A-1", at("2023-01-10"), at("2023-01-25"), unit="hc-ersboda")
        cases.append(c)
    feed(rt, [e for c in cases for e in c.events])
    auth = {"Authorization": f"Bearer {issuer.token('coordinator')}"}
    async with client(app) as http:
        csv = (await http.get("/api/kpi/reports/quarterly/2023-Q1?format=csv", headers=auth)).text.splitlines()
        header = csv[0].split(",")
        ersboda = dict(zip(header, next(x for x in csv if ",hc-ersboda," in x).split(",")))
        assert (ersboda["first_line_visit_over_7_days"], ersboda["total"]) == ("5", "5")
        page = await http.get("/api/kpi/reports/quarterly/2023-Q1", headers=auth)
        assert page.headers["content-type"].startswith("text/html")
        assert "hc-ersboda" in page.text and "Första besök i första linjen efter mer än 7 dagar" in page.text
        assert (await http.get("/api/kpi/reports/quarterly/2023-13", headers=auth)).status_code == 422
        # a year too large for a date once overflowed into a 500; now the path rule refuses it, naming the field
        huge = await http.get("/api/kpi/reports/quarterly/999999999999999999999999999999", headers=auth)
        assert huge.status_code == 422 and huge.headers["content-type"] == "application/problem+json"
        assert huge.json()["errors"][0]["field"] == "quarter" and huge.json()["errors"][0]["location"] == "path"


async def test_clock_watch_raises_guarantee_at_risk_once_before_the_breach_and_board_read_is_audited(
        service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, clock = service
    c, later = CaseBuilder(), CaseBuilder()
    c.referral(at("2023-03-28", 15))  # 3-day promise ends 31 March: tomorrow, seen from 30 March
    later.referral(at("2023-03-29", 15))  # ends 1 April: not yet
    feed(rt, c.events + later.events)
    defs, rules = load_definitions(), load_rules()
    assert scan_once(rt.infra, defs, rules) == 1
    with Session(rt.db.engine) as s:
        alerts = [parse_event(json.loads(r.payload)) for r in s.exec(select(OutboxRow))
                  if r.event_type == "GuaranteeAtRisk"]
    assert [(a.case_id, a.payload.clock, a.payload.days_left) for a in alerts] == [(c.case_id, "assessment_3d", 1)]
    assert alerts[0].payload.deadline == datetime(2023, 3, 31, 21, 59, 59, tzinfo=UTC)
    clock.advance(days=1)
    assert scan_once(rt.infra, defs, rules) == 1  # c is not alerted again; `later` now has one day left
    async with client(app) as http:
        head = {"Authorization": f"Bearer {issuer.token('kc_head')}"}
        body = (await http.get("/api/kpi/clocks", headers=head)).json()
        assert [(x["case_id"], x["clock"], x["deadline"], x["days_left"]) for x in body["clocks"]] == [
            (c.case_id, "assessment_3d", "2023-03-31", 0), (later.case_id, "assessment_3d", "2023-04-01", 1)]
    with Session(rt.db.engine) as s:
        assert s.exec(select(AuditRecord).where(AuditRecord.action == "read-guarantee-clocks")).first() is not None

    def tags() -> list[str]:
        with Session(rt.db.engine) as s:
            return [r.key for r in s.exec(select(OutboxRow)) if r.event_type == "DeviationTagged"]

    assert tags() == []
    clock.advance(days=1)  # 1 April: day 4 for c, still unassessed
    scan_once(rt.infra, defs, rules)
    scan_once(rt.infra, defs, rules)
    assert tags() == [c.case_id]  # tagged by the clock watch, once


async def test_metrics_include_kpi_gauges(service, issuer) -> None:  # type: ignore[no-untyped-def]
    rt, app, _ = service
    feed(rt, [e for c in march_cases() for e in c.events])
    async with client(app) as http:
        text = (await http.get("/metrics")).text
    assert 'kontakt_kpi_cases{known="true"} 6' in text
    assert 'kontakt_kpi_share_met{measure="assessment_3d",period="month"} 0.6667' in text
    assert "kontakt_consumer_applied_total" in text or "# TYPE kontakt_consumer_applied_total counter" in text


async def test_grafana_dashboard_charts_only_metrics_the_service_exports(service) -> None:  # type: ignore[no-untyped-def]
    import re

    rt, app, _ = service
    feed(rt, [e for c in march_cases() for e in c.events])
    async with client(app) as http:
        text = (await http.get("/metrics")).text
    dashboard = (Path(__file__).parents[3] / "deploy" / "grafana" / "dashboards" / "kpi.json").read_text()
    charted = set(re.findall(r"kontakt_(?:kpi|consumer)_[a-z_]+", dashboard))
    assert charted and all(f"# TYPE {name} " in text for name in charted), charted
