"""Notifications by unit and role (issue 26): every route a scheduler or unit head may call declares its unit scope
in OpenAPI and is walked here with another unit's token and a token without a unit (403 both); a message about a
child at risk only to the roles the live stream shows the risk to; each event the stream delivers audited with its
child."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from services.chassis.auth import UNIT_SCOPED_ROLES
from services.chassis.clock import FixedClock
from services.chassis.tables import AuditRecord
from tests.integration.notifications.test_notifications_event_stream_http import Server, read_events
from tests.unit.booking.test_unit_access import _roles
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications
from tests.unit.notifications.fakes import Gateway, SmtpServer

HOME, OTHER = "hc-teg", "hc-mariehem"


@pytest.fixture
async def svc(tmp_path: Path, issuer: Any) -> AsyncIterator[Notifications]:
    gateway, smtp = Gateway().start(), SmtpServer().start()
    n = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'n.db'}", gateway, smtp, FixedClock(NOW),
                      stream_poll_s=0.05)
    yield n
    await n.close()
    gateway.stop()
    smtp.stop()


async def world(svc: Notifications) -> dict[str, str]:
    """A case booked at HOME whose child was found at risk, its messages sent."""
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, unit_id=HOME))
    svc.apply(ev.risk(ref.case_id, NOW))
    await svc.send_due()
    rows = svc.deliveries(ref.case_id)
    return {"case_id": str(ref.case_id),
            "nid": next(r.notification_id for r in rows if r.trigger_type == "AppointmentBooked"),
            "risk_nid": next(r.notification_id for r in rows if r.trigger_type == "RiskEscalated")}


async def test_every_unit_bound_route_refuses_another_unit_and_a_token_without_one(svc: Notifications) -> None:
    values = await world(svc)
    roles = _roles(svc.app)
    walked, leaks, undeclared = [], [], []
    for path, ops in svc.app.openapi()["paths"].items():
        for method, op in ops.items():
            unit_roles = [r for r in roles.get((method, path), ()) if r in UNIT_SCOPED_ROLES]
            scope = op.get("x-unit-scope")
            if not unit_roles or scope == "county-wide":
                continue
            if scope not in ("own-unit", "own-unit-filtered"):
                undeclared.append(f"{method.upper()} {path}")
                continue
            url = path.format(**values)
            for role in unit_roles:
                tokens = [None] + ([OTHER] if scope == "own-unit" else [])  # a filtered stream shows OTHER its own
                for unit in tokens:
                    r = await svc.http.request(method, url, headers=svc.auth(role, unit=unit))
                    walked.append(f"{role}@{unit} {method.upper()} {url} -> {r.status_code}")
                    if r.status_code != 403:
                        leaks.append(walked[-1] + " " + r.text[:160])
                if scope == "own-unit":
                    r = await svc.http.request(method, url, headers=svc.auth(role, unit=HOME))
                    if r.status_code in (401, 403):
                        leaks.append(f"own unit refused: {role} {method.upper()} {url} {r.text[:160]}")
    assert undeclared == [], f"declare x-unit-scope on {undeclared}"
    assert leaks == [] and len(walked) >= 5, walked


async def test_a_risk_message_is_shown_only_to_the_roles_the_stream_shows_the_risk_to(svc: Notifications) -> None:
    values = await world(svc)
    case = f"/api/cases/{values['case_id']}/notifications"
    for role, sees_risk in (("clinician", True), ("kc_head", True), ("call_handler", True), ("scheduler", False),
                            ("ops", False)):
        rows = (await svc.http.get(case, headers=svc.auth(role, unit=HOME))).json()
        assert ("risk_escalated" in [m["template"] for m in rows]) is sees_risk, (role, rows)
        one = await svc.http.get(f"/api/notifications/{values['risk_nid']}", headers=svc.auth(role, unit=HOME))
        assert one.status_code == (200 if sees_risk else 403), (role, one.text)


async def test_each_event_the_stream_delivers_is_audited_with_its_child(svc: Notifications) -> None:
    await world(svc)
    headers = svc.auth("clinician", subject="S-DUTY")
    async with Server(svc.app) as server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}",
                                                            timeout=10) as client:
        async with client.stream("GET", "/api/stream", headers=headers) as r:
            got = await asyncio.wait_for(read_events(r, 3), 10)
    assert [e["event"] for e in got][:3] == ["CaseOpened", "AppointmentBooked", "RiskEscalated"]
    with Session(svc.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(col(AuditRecord.action) == "stream-case-event")).all()
    assert rows and all(a.actor == "S-DUTY" and a.case_id and a.patient_ref == ev.REF for a in rows)
