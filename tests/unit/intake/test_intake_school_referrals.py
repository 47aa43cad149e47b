"""The schools' digital referral form at intake: the clock at submission, consent, PDFs by content, one case per
child, what a school may see (its own referrals' status only), rate limits and audit."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

from pypdf import PdfWriter
from sqlmodel import Session, select

from services.chassis.tables import AuditRecord
from services.intake.store.tables import CaseRow, SchoolReferralRow

from .conftest import NOW, make_intake
from .helpers import PDF, edi_form, of_case, outbox, outbox_bytes, pnr

CHILD = pnr(date(2012, 5, 17))
ERSBODA, SKELLEFTEA = "sk-umea-ersbodaskolan", "sk-skelleftea-kageskolan"


def real_pdf(pages: int = 1) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def school_form(identity: str = CHILD, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "child": {"identity_number": identity, "municipality": "Umeå"},
        "problem_areas": ["anxiety", "school_absence"],
        "question": "Eleven har varit borta från skolan i sex veckor och säger att hon inte orkar.",
        "tried_steps": ["student_health_talks", "adapted_teaching"],
        "tried_text": "Samtal varje vecka sedan september; anpassad skoldag utan effekt.",
        "consent": {"given": True, "by": "both_guardians", "how": "in_person", "on": "2023-03-13"},
        "sender": {"name": "Sara Skolsköterska", "title": "school_nurse", "phone": "090-12 34 56",
                   "email": "sara@skola.example.se"}}
    form.update(changes)
    return form


async def send(intake, form: dict[str, Any], school: str = ERSBODA, subject: str = "S-NURSE-1",  # type: ignore[no-untyped-def]
               files: list[tuple[str, bytes]] | None = None, key: str | None = None):
    headers = intake.auth("school_sender", school=school, subject=subject)
    if key:
        headers["Idempotency-Key"] = key
    multipart = [("attachments", (name, data, "application/pdf")) for name, data in (files or [])]
    return await intake.http.post("/api/referrals/school", data={"referral": json.dumps(form)},
                                  files=multipart or None, headers=headers)


async def statuses(intake, school: str = ERSBODA, subject: str = "S-NURSE-1") -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = await intake.http.get("/api/school-referrals", headers=intake.auth("school_sender", school=school,
                                                                            subject=subject))
    assert r.status_code == 200, r.text
    return {x["referral_id"]: x["status"] for x in r.json()["referrals"]}


async def test_school_referral_opens_a_case_on_the_school_channel_with_the_clock_at_submission(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, school_form(), files=[("utredning.pdf", real_pdf(2))])
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["status"] == "received" and receipt["referral_id"].startswith("SR-")
    assert "case_id" not in receipt and receipt["school_id"] == ERSBODA
    [ev] = outbox(intake.rt.db.engine)
    p = ev.payload
    assert ev.event_type == "ReferralReceived"
    assert (p.channel, p.source, p.school_referral) == ("school_form", "school_student_health", True)
    assert p.clock_start == NOW and p.received_at == NOW and p.external_ref == receipt["referral_id"]
    assert p.reason_codes == ["anxiety", "school_absence"]
    with Session(intake.rt.db.engine) as s:
        row = s.get(SchoolReferralRow, receipt["referral_id"])
        assert row is not None and row.case_id == ev.case_id and row.attachments[0]["name"] == "utredning.pdf"
    assert (intake.tmp / "intake-documents" / row.attachments[0]["sha256"][:2] / row.attachments[0]["sha256"]).exists()


async def test_no_free_text_identity_or_sender_reaches_the_bus(intake):  # type: ignore[no-untyped-def]
    await send(intake, school_form())
    raw = outbox_bytes(intake.rt.db.engine)
    for secret in (CHILD.replace("-", ""), CHILD[2:], "sex veckor", "Samtal varje vecka", "Sara", "90123456",
                   "sara@skola"):
        assert secret.encode() not in raw


async def test_without_consent_nothing_is_stored_and_the_reason_names_the_alternatives(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, school_form(consent={"given": False}))
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["code"] == "no_consent" and err["field"] == "consent.given"
    assert "1177" in err["sv"] and "orosanmälan" in err["sv"] and "social services" in err["en"]
    assert outbox(intake.rt.db.engine) == []
    with Session(intake.rt.db.engine) as s:
        assert s.exec(select(SchoolReferralRow)).first() is None
        audit = s.exec(select(AuditRecord).where(AuditRecord.action == "take-in-school_form")).all()
    assert [a.outcome for a in audit] == ["no_consent"]


async def test_consent_must_say_who_how_and_when_and_not_be_in_the_future(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, school_form(consent={"given": True, "on": "2023-03-20"}))
    assert r.status_code == 422
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("consent.by", "missing"), ("consent.how", "missing"), ("consent.on", "future")}


async def test_a_renamed_file_or_a_broken_pdf_is_refused_by_its_content(intake):  # type: ignore[no-untyped-def]
    for data, code in ((b"MZ\x90\x00 an exe named .pdf", "unsupported_type"), (PDF[:9] + b"garbage", "unsupported_type"),
                       (b"", "empty")):
        r = await send(intake, school_form(), files=[("remiss.pdf", data)])
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "attachments[0]" and r.json()["errors"][0]["code"] == code
    assert outbox(intake.rt.db.engine) == []


async def test_oversized_text_and_attachments_are_refused(tmp_path, issuer):  # type: ignore[no-untyped-def]
    intake = make_intake(tmp_path, issuer, school_max_attachment_bytes=2000, school_max_attachments=2)
    try:
        r = await send(intake, school_form(question="x" * 4001))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "referral.question"
        r = await send(intake, school_form(), files=[("a.pdf", real_pdf(60))])
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "too_large"
        r = await send(intake, school_form(), files=[("a.pdf", real_pdf())] * 3)
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "too_many"
        assert outbox(intake.rt.db.engine) == []
    finally:
        await intake.http.aclose()
        intake.rt.db.dispose()


async def test_a_child_with_an_open_case_is_linked_not_doubled(intake):  # type: ignore[no-untyped-def]
    edi = await intake.post("/api/referrals", edi_form(CHILD, municipality="Umeå"), role="ops")
    case_id = edi.json()["case_id"]
    r = await send(intake, school_form())
    assert r.status_code == 201 and r.json()["status"] == "received"  # the school is not told about other cases
    events = outbox(intake.rt.db.engine)
    assert of_case(events, case_id) == ["ReferralReceived", "CaseLinked"]
    linked = events[-1].payload
    assert (linked.linked_channel, linked.linked_source) == ("school_form", "school_student_health")
    with Session(intake.rt.db.engine) as s:
        assert len(s.exec(select(CaseRow)).all()) == 1
        assert s.exec(select(SchoolReferralRow)).one().linked is True


async def test_a_resent_form_with_the_same_key_is_one_referral(intake):  # type: ignore[no-untyped-def]
    a = await send(intake, school_form(), key="form-1")
    b = await send(intake, school_form(), key="form-1")
    assert a.status_code == 201 and b.status_code == 200 and a.json() == b.json()
    assert len(outbox(intake.rt.db.engine)) == 1


async def test_a_school_sees_only_its_own_referrals_and_only_a_status(intake):  # type: ignore[no-untyped-def]
    mine = (await send(intake, school_form())).json()["referral_id"]
    other = (await send(intake, school_form(pnr(date(2011, 2, 3), 124)), school=SKELLEFTEA, subject="S-KAGE")).json()
    r = await intake.http.get("/api/school-referrals", headers=intake.auth("school_sender", school=ERSBODA,
                                                                            subject="S-COLLEAGUE"))
    body = r.json()
    assert [x["referral_id"] for x in body["referrals"]] == [mine]
    assert set(body["referrals"][0]) == {"referral_id", "submitted_at", "sent_by_me", "status"}
    assert body["referrals"][0]["sent_by_me"] is False and other["referral_id"] not in r.text
    assert "sex veckor" not in r.text and CHILD not in r.text
    with Session(intake.rt.db.engine) as s:
        reads = s.exec(select(AuditRecord).where(AuditRecord.action == "read-school-referrals")).all()
    assert [a.actor for a in reads] == ["S-COLLEAGUE"]


async def test_the_status_follows_assessment_decision_and_closing(intake):  # type: ignore[no-untyped-def]
    receipt = (await send(intake, school_form())).json()
    ref = receipt["referral_id"]
    case_id = outbox(intake.rt.db.engine)[0].case_id
    assert (await statuses(intake))[ref] == "received"
    r = await intake.post(f"/api/cases/{case_id}/advice", {"topic_codes": ["sleep"]}, role="clinician", licensed=True)
    assert r.status_code == 201, r.text
    assert (await statuses(intake))[ref] == "assessed"
    with Session(intake.rt.db.engine) as s:
        case = s.get(CaseRow, case_id)
        case.passed_on_at = NOW + timedelta(hours=1)
        s.add(case)
        s.commit()
    assert (await statuses(intake))[ref] == "passed_on"
    r = await intake.post(f"/api/cases/{case_id}/close", {"reason": "completed"}, role="clinician")
    assert (await statuses(intake))[ref] == "closed"


async def test_staff_roles_may_not_send_and_a_token_without_school_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await intake.http.post("/api/referrals/school", data={"referral": json.dumps(school_form())},
                               headers=intake.auth("clinician"))
    assert r.status_code == 403
    bad = intake.issuer.token("school_sender")  # no school claim
    r = await intake.http.get("/api/school-referrals", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401
    r = await send(intake, school_form(), school="sk-nowhere-skolan")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "unknown_school"


async def test_a_sender_who_hammers_the_form_is_slowed_down(tmp_path, issuer):  # type: ignore[no-untyped-def]
    intake = make_intake(tmp_path, issuer, school_attempts_per_10min=3)
    try:
        codes = [(await send(intake, school_form(consent={"given": False}))).status_code for _ in range(4)]
        assert codes == [422, 422, 422, 429]
        other = await send(intake, school_form(), subject="S-OTHER-NURSE")  # another sender is not affected
        assert other.status_code == 201
        with Session(intake.rt.db.engine) as s:
            limited = s.exec(select(AuditRecord).where(AuditRecord.outcome == "rate_limited")).all()
        assert len(limited) == 1
    finally:
        await intake.http.aclose()
        intake.rt.db.dispose()


async def test_the_daily_cap_per_sender_counts_accepted_referrals(tmp_path, issuer):  # type: ignore[no-untyped-def]
    intake = make_intake(tmp_path, issuer, school_submissions_per_day=2)
    try:
        codes = [(await send(intake, school_form(pnr(date(2012, 1, d), 200 + d)))).status_code for d in (1, 2, 3)]
        assert codes == [201, 201, 429]
        intake.clock.advance(days=1, minutes=1)
        assert (await send(intake, school_form(pnr(date(2012, 1, 4), 204)))).status_code == 201
    finally:
        await intake.http.aclose()
        intake.rt.db.dispose()


async def test_contact_centre_reads_the_schools_text_audited(intake):  # type: ignore[no-untyped-def]
    await send(intake, school_form())
    case_id = outbox(intake.rt.db.engine)[0].case_id
    r = await intake.get(f"/api/cases/{case_id}/school-referrals", role="clinician")
    [x] = r.json()
    assert x["school"]["name"] == "Ersbodaskolan" and "sex veckor" in x["question"]
    assert x["consent"] == {"by": "both_guardians", "how": "in_person", "on": "2023-03-13"}
    r = await intake.http.get(f"/api/cases/{case_id}/school-referrals",
                              headers=intake.auth("school_sender", school=ERSBODA))
    assert r.status_code == 403
