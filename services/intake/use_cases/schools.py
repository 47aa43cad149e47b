"""The schools' digital referral form, intake's side: what is checked, what is kept, what the school gets back."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from contracts.intake import Referrer
from services.chassis.auth import Staff
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local_day
from services.intake.domain.cases import Contact, Outcome
from services.intake.domain.idempotency import request_hash
from services.intake.domain.scans import Scan, check_pdf
from services.intake.domain.school import UNKNOWN_SCHOOL, School, check_consent, receipt, status_of
from services.intake.forms import SchoolReferralForm
from services.intake.store.queries import (
    school_referral,
    school_referrals_of,
    school_referrals_of_case,
    submissions_since,
)
from services.intake.store.tables import DocumentRow, SchoolReferralRow
from services.intake.use_cases.contacts import After, child, language_of, reply_details, seal, submit
from services.intake.use_cases.idempotency import Answer

Files = list[tuple[str, bytes]]  # (file name, content) of each attachment
FORM_ACTION = "take-in-school_form"


def school_of(deps: Deps, staff: Staff) -> School:
    school = deps.schools.by_id(staff.school)
    if school is None:
        deps.audit.record(staff, "school-unknown", detail=(staff.school or "")[:60], outcome="refused")
        raise Refused(UNKNOWN_SCHOOL)
    return school


def _too_many(sv: str, en: str) -> Refused:
    return Refused(Refusal("form", "rate_limited", sv, en, 429))


def _check_sender(deps: Deps, form: SchoolReferralForm, staff: Staff, school: School, now: datetime) -> None:
    """Rate, consent and the day's count, each refusal audited (nothing is stored)."""
    if not deps.window.allow(staff.subject):
        deps.audit.record(staff, FORM_ACTION, detail=school.id, outcome="rate_limited")
        raise _too_many("För många försök på kort tid. Vänta några minuter och försök igen.",
                        "Too many attempts in a short time. Wait a few minutes and try again.")
    c = form.consent
    try:
        check_consent(c.given, c.by, c.how, c.on, local_day(now))
    except Refused:
        deps.audit.record(staff, FORM_ACTION, detail=school.id, outcome="no_consent" if not c.given else "refused")
        raise
    with Session(deps.db.engine) as s:
        sent_today = submissions_since(s, staff.subject, now - timedelta(days=1))
    per_day = deps.limits.submissions_per_day
    if sent_today >= per_day:
        deps.audit.record(staff, FORM_ACTION, detail=school.id, outcome="rate_limited")
        raise _too_many(f"Högst {per_day} remisser per dygn och avsändare.",
                        f"At most {per_day} referrals a day per sender.")


def _check_files(deps: Deps, files: Files) -> list[Scan]:
    most = deps.limits.max_attachments
    if len(files) > most:
        raise Refused(Refusal("attachments", "too_many", f"Högst {most} bilagor.", f"At most {most} attachments."))
    return [check_pdf(data, deps.limits.max_attachment_bytes, f"attachments[{i}]") for i, (_, data) in enumerate(files)]


def submit_referral(deps: Deps, form: SchoolReferralForm, files: Files, staff: Staff, key: str | None) -> Answer:
    """Checks (rate, school, consent, files, child), then one transaction: case or link, row, events, audit."""
    school = school_of(deps, staff)
    now = deps.clock.now()
    today = local_day(now)
    _check_sender(deps, form, staff, school, now)
    scans = _check_files(deps, files)
    language = language_of(deps, form.language, form.interpreter_needed)
    ref, kid = child(deps, form.child, today)
    referral_id = "SR-" + secrets.token_hex(5).upper()
    contact = Contact(channel="school_form", source="school_student_health", clock_start=now, received_at=now,
                      patient_ref=ref, child=kid, sender_date=today, external_ref=referral_id,
                      reason_codes=tuple(form.problem_areas), language=language,
                      referrer=Referrer(kind="school", organisation_ref=school.id, service_request_ref=referral_id,
                                        reply_to=seal(deps, ref, reply_details(name=form.sender.name,
                                                                               email=form.sender.email))))
    for scan in scans:
        deps.docs.put(scan)  # content-addressed: a retry leaves at most one harmless copy
    doc_rows = tuple(DocumentRow(sha256=x.sha256, content_type=x.content_type, size_bytes=x.size_bytes,
                                 stored_at=now) for x in scans)
    record = _record(form, files, scans, staff, school, referral_id, now)
    body = {**form.model_dump(mode="json"), "school": school.id, "attachments": [x.sha256 for x in scans]}
    answer, replayed = submit(deps, contact, staff, f"key:school:{staff.subject}:{key}" if key else None,
                              request_hash(body), {"referral_id": referral_id, "school_id": school.id,
                                                   "submitted_at": now.isoformat()}, doc_rows, record)
    return receipt(answer), replayed


def _record(form: SchoolReferralForm, files: Files, scans: list[Scan], staff: Staff, school: School,
            referral_id: str, now: datetime) -> After:
    """The school's own text and who sent it, kept with the case id the take-in decides."""
    c = form.consent

    def record(s: Session, outcome: Outcome) -> None:
        s.add(SchoolReferralRow(
            referral_id=referral_id, case_id=outcome.case_id, school_id=school.id, sender_ref=staff.subject,
            submitted_at=now, linked=outcome.status == "linked", problem_areas=list(form.problem_areas),
            question=form.question, tried_steps=list(form.tried_steps), tried_text=form.tried_text,
            consent_by=c.by or "", consent_how=c.how or "", consent_on=c.on or local_day(now),
            sender=form.sender.model_dump(),
            attachments=[{"sha256": x.sha256, "name": n[:120], "size_bytes": x.size_bytes}
                         for x, (n, _) in zip(scans, files, strict=True)]))

    return record


def for_school(deps: Deps, staff: Staff) -> dict[str, Any]:
    """The sender's school's referrals: reference, time, sender's own mark, status. Never clinical content."""
    school = school_of(deps, staff)
    with Session(deps.db.engine) as s:
        rows = school_referrals_of(s, school.id)
    deps.audit.children(staff, "read-school-referrals", [(c.case_id, c.patient_ref) for _, c in rows],
                        detail=f"{school.id}: {len(rows)}")  # a row per child whose status the school saw
    return {"school": school.model_dump(), "referrals": [
        {"referral_id": r.referral_id, "submitted_at": r.submitted_at.isoformat(), "sent_by_me":
         r.sender_ref == staff.subject, "status": status_of(r.submitted_at, c.status, c.assessed_at, c.passed_on_at,
                                                            c.closed_reason)}
        for r, c in rows]}


def by_reference(deps: Deps, referral_id: str, staff: Staff) -> dict[str, Any]:
    """The contact centre finds a referral by the school's reference (when the school calls about it)."""
    with Session(deps.db.engine) as s:
        row = school_referral(s, referral_id[:20])
    if row is None:
        deps.audit.record(staff, "read-school-referral", detail=referral_id[:20], outcome="not_found")
        raise Refused(Refusal("referral_id", "not_found", f"Remissen {referral_id[:20]} finns inte.",
                              f"Referral {referral_id[:20]} does not exist.", 404))
    return next(x for x in for_case(deps, row.case_id, staff) if x["referral_id"] == row.referral_id)


def for_case(deps: Deps, case_id: str, staff: Staff) -> list[dict[str, Any]]:
    """The contact centre's read of a case's school referrals, with the school's text (audited)."""
    with Session(deps.db.engine) as s:
        rows = school_referrals_of_case(s, case_id)
    deps.audit.record(staff, "read-school-referral", case_id=case_id, detail=f"{len(rows)}")
    return [{"referral_id": r.referral_id, "case_id": r.case_id,
             "school": sch.model_dump() if (sch := deps.schools.by_id(r.school_id)) else {"id": r.school_id},
             "submitted_at": r.submitted_at.isoformat(), "linked": r.linked, "problem_areas": r.problem_areas,
             "question": r.question, "tried_steps": r.tried_steps, "tried_text": r.tried_text,
             "consent": {"by": r.consent_by, "how": r.consent_how, "on": r.consent_on.isoformat()},
             "sender": r.sender, "attachments": r.attachments} for r in rows]
