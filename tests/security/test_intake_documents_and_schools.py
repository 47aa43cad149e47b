"""Uploaded PDFs and what a school may know (issue 26): scripts and actions stripped on the way in, a deflate bomb
refused before anything is stored, a document read audited with the child, and a school told only its own
referral's state, each of its status reads audited per child."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from services.chassis.tables import AuditRecord
from services.intake.store.tables import CaseRow
from tests.unit.intake.conftest import Intake, make_intake
from tests.unit.intake.helpers import edi_form, outbox, paper_form, pnr
from tests.unit.intake.hostile_pdf import FORBIDDEN, bomb, with_scripts
from tests.unit.intake.test_intake_school_referrals import ERSBODA, school_form, send, statuses

CHILD = pnr(date(2012, 5, 17))


@pytest.fixture
async def intake(tmp_path: Path, issuer: Any) -> AsyncIterator[Intake]:
    svc = make_intake(tmp_path, issuer)
    yield svc
    await svc.http.aclose()
    svc.rt.db.dispose()


async def paper(intake: Intake, data: bytes, identity: str = CHILD) -> httpx.Response:
    return await intake.http.post("/api/referrals/paper", headers=intake.auth("call_handler"),
                                  files={"scan": ("remiss.pdf", data, "application/pdf")},
                                  data={"referral": json.dumps(paper_form(identity))})


def stored(intake: Intake) -> list[Path]:
    root = intake.rt.settings.resolved_documents_dir()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def audit(intake: Intake, action: str) -> list[AuditRecord]:
    with Session(intake.rt.db.engine) as s:
        return list(s.exec(select(AuditRecord).where(col(AuditRecord.action) == action).order_by(col(AuditRecord.id))))


async def test_a_pdfs_javascript_actions_and_embedded_files_are_removed_on_the_way_in(intake: Intake) -> None:
    hostile = with_scripts()
    assert all(k in hostile for k in FORBIDDEN)
    school = await send(intake, school_form(), files=[("utredning.pdf", hostile)])
    scan = await paper(intake, hostile, pnr(date(2011, 2, 3), 124))
    assert school.status_code == 201 and scan.status_code == 201, (school.text, scan.text)
    files = stored(intake)
    assert len(files) == 1  # the same file made inert twice is one document (content-addressed)
    kept = files[0].read_bytes()
    assert [k for k in FORBIDDEN if k in kept] == []
    assert b"1177" in kept and b"/Type /Page" in kept  # the page and a plain web link stay
    got = await intake.get(f"/api/documents/{scan.json()['document_sha256']}")
    assert got.status_code == 200 and got.content == kept
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-security-policy"].startswith("sandbox;")


async def test_a_pdf_that_inflates_to_200_mb_from_200_kb_is_refused_and_nothing_is_kept(intake: Intake) -> None:
    data = bomb(200)
    assert len(data) < 300 * 1024
    school = await send(intake, school_form(), files=[("bomb.pdf", data)])
    scan = await paper(intake, data)
    for r, field in ((school, "attachments[0]"), (scan, "scan")):
        assert r.status_code == 413, r.text
        assert r.json()["errors"][0]["field"].endswith(field) and r.json()["errors"][0]["code"] == "too_inflated"
        assert "MB" in r.json()["errors"][0]["sv"]
    assert stored(intake) == [] and outbox(intake.rt.db.engine) == []


async def test_reading_a_scan_or_a_school_attachment_is_audited_naming_the_child(intake: Intake) -> None:
    await send(intake, school_form(), files=[("utredning.pdf", with_scripts())])
    school_case = outbox(intake.rt.db.engine)[0].case_id
    scan = (await paper(intake, bomb(1), pnr(date(2011, 2, 3), 124))).json()  # 1 MB inflated: within the limit
    school_sha = next(p.name for p in stored(intake) if p.name != scan["document_sha256"])
    for sha in (school_sha, scan["document_sha256"]):
        assert (await intake.get(f"/api/documents/{sha}", role="clinician")).status_code == 200
    with Session(intake.rt.db.engine) as s:
        refs = {c.case_id: c.patient_ref for c in s.exec(select(CaseRow))}
    reads = {(r.detail, r.case_id, r.patient_ref, r.role) for r in audit(intake, "read-document")}
    assert reads == {(school_sha, school_case, refs[school_case], "clinician"),
                     (scan["document_sha256"], scan["case_id"], refs[scan["case_id"]], "clinician")}


async def test_a_school_referral_linked_to_an_assessed_case_shows_its_own_state_not_the_cases(
        intake: Intake) -> None:
    edi = (await intake.post("/api/referrals", edi_form(CHILD, municipality="Umeå"), role="ops")).json()
    advice = await intake.post(f"/api/cases/{edi['case_id']}/advice", {"topic_codes": ["sleep"]}, role="clinician",
                               licensed=True)
    assert advice.status_code == 201, advice.text  # the guardian's call was assessed ...
    intake.clock.advance(minutes=30)
    ref = (await send(intake, school_form())).json()["referral_id"]  # ... before the school's referral came
    assert (await statuses(intake))[ref] == "received"  # not "assessed": that was another way in
    with Session(intake.rt.db.engine) as s:
        case = s.get(CaseRow, edi["case_id"])
        assert case is not None and case.assessed_at is not None
        case.passed_on_at = intake.clock.now()  # triage decides after the school's referral arrived
        s.add(case)
        s.commit()
    assert (await statuses(intake))[ref] == "passed_on"


async def test_each_status_read_of_a_school_is_audited_per_child(intake: Intake) -> None:
    await send(intake, school_form())
    await send(intake, school_form(pnr(date(2011, 2, 3), 124)))
    await statuses(intake)
    with Session(intake.rt.db.engine) as s:
        children = {(c.case_id, c.patient_ref) for c in s.exec(select(CaseRow))}
    reads = audit(intake, "read-school-referrals")
    assert len(children) == 2 and {(r.case_id, r.patient_ref) for r in reads} == children
    assert all(r.actor == "S-NURSE-1" and r.detail and ERSBODA in r.detail for r in reads)
