"""The interview screen's HTTP API: roles, bilingual 422s, audited reads, the whole flow over HTTP."""
from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from services.chassis.tables import AuditRecord
from services.triage.api import router
from tests.unit.triage.helpers import MAIN, main_answers
from tests.unit.triage.service import build_triage, outbox, seed_case


@pytest.fixture
async def api(tmp_path, issuer):  # type: ignore[no-untyped-def]
    rt, app = build_triage(f"sqlite:///{tmp_path / 'triage.db'}", tmp_path, issuer.jwks_file)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://triage") as client:
        yield rt, client
    rt.db.dispose()


def auth(issuer, role: str = "clinician", subject: str = "S-CLIN1", **kw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issuer.token(role, subject=subject, **kw)}"}


def audited(rt, action: str) -> list[AuditRecord]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        return list(s.exec(select(AuditRecord).where(AuditRecord.action == action)))


async def test_interview_flow_over_http_with_roles_and_audited_reads(api, issuer):  # type: ignore[no-untyped-def]
    rt, client = api
    case_id = seed_case(rt, age=9)
    r = await client.get("/api/cases/waiting", headers=auth(issuer, "call_handler"))
    assert r.status_code == 200 and case_id in [c["case_id"] for c in r.json()]
    assert [a.case_id for a in audited(rt, "list-waiting")] == [case_id]
    r = await client.get(f"/api/instruments/{MAIN}", headers=auth(issuer, "call_handler"))
    assert r.status_code == 200 and r.json()["version"] == "2026.1"
    assert (await client.post(f"/api/cases/{case_id}/interview", headers=auth(issuer, "call_handler"))).status_code == 403
    assert (await client.post(f"/api/cases/{case_id}/interview")).status_code == 401
    r = await client.post(f"/api/cases/{case_id}/interview", headers=auth(issuer))
    iv = r.json()["interview_id"]
    assert [f["id"] for f in r.json()["forms"]] == [MAIN]  # no AUDIT/DUDIT/self-report for a 9-year-old
    body = {"answers": [{"form": MAIN, "item": k, "value": v} for k, v in main_answers(oppositional=6).items()]}
    r = await client.put(f"/api/interviews/{iv}/answers", json=body, headers=auth(issuer))
    assert r.json() == {"saved": 42, "risk_escalated": []}
    r = await client.get(f"/api/interviews/{iv}", headers=auth(issuer, subject="S-OTHER"))
    assert r.json()["answers"][MAIN]["opp_1"] == 2 and r.json()["last_saved_by"] == "S-CLIN1"
    assert [(a.actor, a.case_id) for a in audited(rt, "read-interview")] == [("S-OTHER", case_id)]
    assert (await client.post(f"/api/interviews/{iv}/complete", headers=auth(issuer))).status_code == 200
    r = await client.get(f"/api/cases/{case_id}/proposal", headers=auth(issuer))
    assert r.json()["level"] == "parenting_group" and len(audited(rt, "read-proposal")) == 1
    reasons = [f for f in r.json()["fired"] if f["level"] == "parenting_group"]
    assert reasons and all(f["text"]["sv"] and f["text"]["en"] and f["text"]["sv"] != f["text"]["en"] for f in reasons)
    r = await client.get(f"/api/cases/{case_id}", headers=auth(issuer, "call_handler"))
    assert r.json()["interview"]["interview_id"] == iv and r.json()["interview"]["completed_at"]
    assert r.json()["decision"] is None
    r = await client.post(f"/api/cases/{case_id}/decision", headers=auth(issuer))
    assert (r.json()["level"], r.json()["overridden"]) == ("parenting_group", False)
    r = await client.get(f"/api/cases/{case_id}", headers=auth(issuer, "call_handler"))
    assert r.json()["decision"]["level"] == "parenting_group"
    assert [a.case_id for a in audited(rt, "read-triage-case")] == [case_id, case_id]
    r = await client.get("/api/cases/C-ZZZZZZZZZZZZ", headers=auth(issuer))
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "not_found"
    assert (await client.get(f"/api/cases/{case_id}", headers=auth(issuer, "kpi_analyst"))).status_code == 403
    assert [e.event_type for e in outbox(rt, case_id)] == ["InterviewCompleted", "InterviewAssessmentRecorded",
                                                           "CareLevelDecided"]


async def test_bad_input_answers_422_in_swedish_and_english(api, issuer):  # type: ignore[no-untyped-def]
    rt, client = api
    case_id = seed_case(rt, age=9)
    iv = (await client.post(f"/api/cases/{case_id}/interview", headers=auth(issuer))).json()["interview_id"]
    r = await client.put(f"/api/interviews/{iv}/answers", headers=auth(issuer),
                         json={"answers": [{"form": MAIN, "item": "att_1", "value": 5}]})
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert (err["field"], err["code"]) == ("answers.0.value", "outside_scale")
    assert "skalan" in err["sv"] and "not on the scale" in err["en"]
    r = await client.put(f"/api/interviews/{iv}/answers", headers=auth(issuer),
                         json={"answers": [{"form": MAIN, "item": "att_1", "value": "often"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.0.value"
    r = await client.post(f"/api/cases/{case_id}/decision", headers=auth(issuer))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "no_interview"
    r = await client.post(f"/api/cases/{case_id}/decision/override", headers=auth(issuer), json={"level": "bup"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"/api/cases/{case_id}/collaborations", headers=auth(issuer, "kpi_analyst"),
                          json={"question": "other", "intervention": "consultation",
                                "health_centre_unit": "hc-teg", "bup_unit": "bup-umea"})
    assert r.status_code == 403
    r = await client.post(f"/api/cases/{case_id}/collaborations", headers=auth(issuer, "coordinator"),
                          json={"question": "other", "intervention": "consultation",
                                "health_centre_unit": "hc-teg", "bup_unit": "bup-umea"})
    assert r.status_code == 200 and [e.event_type for e in outbox(rt, case_id)] == ["CollaborationInitiated"]
    board = (await client.get("/api/collaborations", headers=auth(issuer, "coordinator"))).json()
    assert [(c["case_id"], c["question"], c["health_centre_unit"]) for c in board["collaborations"]] == [
        (case_id, "other", "hc-teg")]
    assert "other" in board["questions"] and "bup-umea" in board["bup_units"]
    assert [a.case_id for a in audited(rt, "list-collaborations")] == [case_id]
    assert (await client.get("/api/collaborations", headers=auth(issuer, "kpi_analyst"))).status_code == 403


def test_every_triage_route_declares_roles_and_none_lets_a_kpi_analyst_in(api):  # type: ignore[no-untyped-def]
    roles = {}
    for route in router.routes:
        stack, found = list(route.dependant.dependencies), None  # type: ignore[attr-defined]
        while stack and found is None:
            dep = stack.pop()
            found = getattr(dep.call, "roles", None)
            stack.extend(dep.dependencies)
        roles[f"{sorted(route.methods)[0]} {route.path}"] = found  # type: ignore[attr-defined]
    assert len(roles) == 13 and all(roles.values()), roles
    assert not [r for r, allowed in roles.items() if "kpi_analyst" in allowed]
    writes = {r: allowed for r, allowed in roles.items() if not r.startswith("GET")}
    assert all(set(allowed) <= {"clinician", "coordinator"} for allowed in writes.values())
