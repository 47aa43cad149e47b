"""An audit row per child: a read that returns several children records each of them, and the KC head's
report answers "who has seen this child, when, why" in one query — and is itself audited."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from services.chassis.tables import AuditRecord

from .helpers import edi_form, pnr


async def _open(intake, n: int) -> str:  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(pnr(date(2012, 1, n + 1), 100 + n), external_ref=f"sr-{n}"),
                          role="ops")
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


async def test_the_work_queue_writes_an_audit_row_per_child_it_returned(intake):  # type: ignore[no-untyped-def]
    cases = [await _open(intake, n) for n in range(3)]
    r = await intake.get("/api/work-queue", role="clinician")
    assert r.status_code == 200 and len(r.json()["cases"]) == 3
    refs = {c["case_id"]: c["patient_ref"] for c in r.json()["cases"]}
    with Session(intake.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(AuditRecord.action == "read-work-queue")).all()
    assert sorted((a.case_id, a.patient_ref) for a in rows) == sorted((c, refs[c]) for c in cases)
    assert {a.role for a in rows} == {"clinician"}


async def test_the_kc_heads_report_names_who_saw_the_child_and_is_itself_audited(intake):  # type: ignore[no-untyped-def]
    mine, other = await _open(intake, 1), await _open(intake, 2)
    await intake.get(f"/api/cases/{mine}", role="coordinator")
    await intake.get(f"/api/cases/{other}", role="coordinator")
    await intake.get("/api/work-queue", role="clinician")
    ref = (await intake.get(f"/api/cases/{mine}", role="call_handler")).json()["patient_ref"]
    assert (await intake.get(f"/api/audit/children/{ref}", role="clinician")).status_code == 403
    r = await intake.get(f"/api/audit/children/{ref}", role="kc_head")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["service"] == "intake" and report["case_ids"] == [mine]
    seen = [(x["role"], x["action"]) for x in report["records"]]
    assert ("coordinator", "read-case") in seen and ("clinician", "read-work-queue") in seen
    assert ("call_handler", "read-case") in seen and ("ops", "take-in-edi") in seen
    assert all(x["case_id"] == mine for x in report["records"])  # nothing about the other child
    again = (await intake.get(f"/api/audit/children/{ref}", role="kc_head")).json()
    assert ("kc_head", "read-audit-report") in [(x["role"], x["action"]) for x in again["records"]]
    bad = await intake.get("/api/audit/children/not-a-ref", role="kc_head")
    assert bad.status_code == 422


def test_kontakt_audit_merges_the_services_reports_in_time_order() -> None:
    from kontakt.audit_cli import merge_audit

    answers = {
        "intake": {"case_ids": ["C-1"], "records": [{"at": "2026-03-01T10:00:00", "action": "read-case"},
                                                      {"at": "2026-03-03T10:00:00", "action": "read-work-queue"}]},
        "kpi": {"case_ids": ["C-1"], "records": [{"at": "2026-03-02T09:00:00", "action": "read-guarantee-clocks"}]},
        "booking": {"case_ids": [], "records": []},
    }
    assert [(r["service"], r["action"]) for r in merge_audit(answers)] == [
        ("intake", "read-case"), ("kpi", "read-guarantee-clocks"), ("intake", "read-work-queue")]
