"""The schools' digital referral form, intake's side: who may send, what is checked, what the school gets back."""
from __future__ import annotations

import hashlib
import io
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from contracts.common import Municipality
from services.chassis.auth import Staff
from services.chassis.errors import DomainError, field_error
from services.intake.documents import DocumentStore, Scan
from services.intake.domain.calendar import local_day
from services.intake.domain.cases import Contact, Outcome
from services.intake.domain.problems import Invalid, problem
from services.intake.domain.school import check_consent, status_of
from services.intake.forms import SchoolReferralForm
from services.intake.idempotency import request_hash
from services.intake.store import (
    DocumentRow,
    SchoolReferralRow,
    school_referrals_of,
    school_referrals_of_case,
    submissions_since,
)
from services.intake.takein import TakeIn

SCHOOLS_FILE = Path(__file__).parent / "data" / "schools.yaml"


class School(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str = Field(pattern=r"^sk-[a-z0-9-]{2,56}$")
    name: str = Field(min_length=2, max_length=80)
    municipality: Municipality


class SchoolList(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    schools: tuple[School, ...] = Field(min_length=1)

    def by_id(self, school_id: str | None) -> School | None:
        return next((s for s in self.schools if s.id == school_id), None)


def load_schools(path: Path = SCHOOLS_FILE) -> SchoolList:
    """Parse and validate the school list; a broken file (or a duplicate id) stops start-up."""
    schools = SchoolList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [s.id for s in schools.schools]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate school ids in {path}")
    return schools


def check_pdf(data: bytes, max_bytes: int, field_name: str, max_pages: int = 50) -> Scan:
    """A PDF by its content: the magic bytes, then pypdf must read it, unencrypted, within the page limit."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data:
        raise Invalid([problem(field_name, "Filen är tom.", "The file is empty.", "empty")])
    if len(data) > max_bytes:
        raise Invalid([problem(field_name, f"Filen är för stor (högst {max_bytes // 1024} kB).",
                               f"The file is too large (at most {max_bytes // 1024} kB).", "too_large")])
    not_pdf = Invalid([problem(field_name, "Bilagan måste vara en PDF-fil.", "The attachment must be a PDF file.",
                               "unsupported_type")])
    if not data.startswith(b"%PDF-"):
        raise not_pdf
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Invalid([problem(field_name, "PDF-filen är lösenordsskyddad: skicka den utan lösenord.",
                                   "The PDF is password protected: send it without a password.", "encrypted")])
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise not_pdf from None
    if pages < 1 or pages > max_pages:
        raise Invalid([problem(field_name, f"PDF-filen ska ha 1–{max_pages} sidor.",
                               f"The PDF must have 1–{max_pages} pages.", "page_count")])
    return Scan(hashlib.sha256(data).hexdigest(), "application/pdf", len(data), data)


@dataclass
class Limits:
    max_attachments: int = 5
    max_attachment_bytes: int = 5 * 1024 * 1024
    attempts_per_window: int = 20
    window_s: float = 600.0
    submissions_per_day: int = 30


@dataclass
class AttemptWindow:
    """Per sender: at most `limit` attempts (accepted or not) in a sliding window, so no one can hammer the form."""

    limit: int
    window_s: float
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, sender: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._seen.setdefault(sender, deque())
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


def _too_many(sv: str, en: str) -> DomainError:
    return DomainError([field_error("form", sv, en, "rate_limited")], status=429)


@dataclass
class SchoolReferrals:
    t: TakeIn
    docs: DocumentStore
    schools: SchoolList
    limits: Limits

    def __post_init__(self) -> None:
        self.window = AttemptWindow(self.limits.attempts_per_window, self.limits.window_s)

    def school_of(self, staff: Staff) -> School:
        school = self.schools.by_id(staff.school)
        if school is None:
            self.t.rt.audit.record(staff, "school-unknown", detail=(staff.school or "")[:60], outcome="refused")
            raise DomainError([field_error("school", "Skolan finns inte i listan över skolor som får skicka remisser.",
                                           "The school is not on the list of schools that may send referrals.",
                                           "unknown_school")], status=403)
        return school

    def submit(self, form: SchoolReferralForm, files: list[tuple[str, bytes]], staff: Staff,
               key: str | None) -> tuple[dict[str, Any], bool]:
        """Checks (rate, school, consent, files, child), then one transaction: case or link, row, events, audit."""
        school = self.school_of(staff)
        rt = self.t.rt
        if not self.window.allow(staff.subject):
            rt.audit.record(staff, "take-in-school_form", detail=school.id, outcome="rate_limited")
            raise _too_many("För många försök på kort tid. Vänta några minuter och försök igen.",
                            "Too many attempts in a short time. Wait a few minutes and try again.")
        now = rt.clock.now()
        today = local_day(now)
        c = form.consent
        try:
            check_consent(c.given, c.by, c.how, c.on, today)
        except Invalid:
            rt.audit.record(staff, "take-in-school_form", detail=school.id, outcome="no_consent" if not c.given
                            else "refused")
            raise
        with Session(rt.db.engine) as s:
            sent_today = submissions_since(s, staff.subject, now - timedelta(days=1))
        if sent_today >= self.limits.submissions_per_day:
            rt.audit.record(staff, "take-in-school_form", detail=school.id, outcome="rate_limited")
            raise _too_many(f"Högst {self.limits.submissions_per_day} remisser per dygn och avsändare.",
                            f"At most {self.limits.submissions_per_day} referrals a day per sender.")
        if len(files) > self.limits.max_attachments:
            raise Invalid([problem("attachments", f"Högst {self.limits.max_attachments} bilagor.",
                                   f"At most {self.limits.max_attachments} attachments.", "too_many")])
        scans = [check_pdf(data, self.limits.max_attachment_bytes, f"attachments[{i}]")
                 for i, (_, data) in enumerate(files)]
        ref, child = self.t.child(form.child, today)
        referral_id = "SR-" + secrets.token_hex(5).upper()
        contact = Contact(channel="school_form", source="school_student_health", clock_start=now, received_at=now,
                          patient_ref=ref, child=child, sender_date=today, external_ref=referral_id,
                          reason_codes=tuple(form.problem_areas))
        for scan in scans:
            self.docs.put(scan)  # content-addressed: a retry leaves at most one harmless copy
        doc_rows = tuple(DocumentRow(sha256=x.sha256, content_type=x.content_type, size_bytes=x.size_bytes,
                                     stored_at=now) for x in scans)

        def record(s: Any, outcome: Outcome) -> None:
            s.add(SchoolReferralRow(
                referral_id=referral_id, case_id=outcome.case_id, school_id=school.id, sender_ref=staff.subject,
                submitted_at=now, linked=outcome.status == "linked", problem_areas=list(form.problem_areas),
                question=form.question, tried_steps=list(form.tried_steps), tried_text=form.tried_text,
                consent_by=c.by or "", consent_how=c.how or "", consent_on=c.on or today,
                sender=form.sender.model_dump(), attachments=[{"sha256": x.sha256, "name": n[:120],
                                                               "size_bytes": x.size_bytes}
                                                              for x, (n, _) in zip(scans, files)]))

        body = {**form.model_dump(mode="json"), "school": school.id, "attachments": [x.sha256 for x in scans]}
        receipt = {"referral_id": referral_id, "school_id": school.id, "submitted_at": now.isoformat()}
        answer, replayed = self.t.submit(contact, staff, f"key:school:{staff.subject}:{key}" if key else None,
                                         request_hash(body), receipt, doc_rows, record)
        return self.receipt(answer), replayed

    @staticmethod
    def receipt(answer: dict[str, Any]) -> dict[str, Any]:
        """What the school is told: its own reference and time, and that it was received (not opened or linked)."""
        return {"referral_id": answer["referral_id"], "school_id": answer["school_id"],
                "submitted_at": answer["submitted_at"], "status": "received"}

    def for_school(self, staff: Staff) -> dict[str, Any]:
        """The sender's school's referrals: reference, time, sender's own mark, status. Never clinical content."""
        school = self.school_of(staff)
        with Session(self.t.rt.db.engine) as s:
            rows = school_referrals_of(s, school.id)
        self.t.rt.audit.record(staff, "read-school-referrals", detail=f"{school.id}: {len(rows)}")
        return {"school": school.model_dump(), "referrals": [
            {"referral_id": r.referral_id, "submitted_at": r.submitted_at.isoformat(), "sent_by_me":
             r.sender_ref == staff.subject, "status": status_of(c.status, c.assessed_at, c.passed_on_at)}
            for r, c in rows]}

    def by_reference(self, referral_id: str, staff: Staff) -> dict[str, Any]:
        """The contact centre finds a referral by the school's reference (when the school calls about it)."""
        with Session(self.t.rt.db.engine) as s:
            row = s.get(SchoolReferralRow, referral_id[:20])
        if row is None:
            self.t.rt.audit.record(staff, "read-school-referral", detail=referral_id[:20], outcome="not_found")
            raise DomainError([field_error("referral_id", f"Remissen {referral_id[:20]} finns inte.",
                                           f"Referral {referral_id[:20]} does not exist.", "not_found")], status=404)
        return next(x for x in self.for_case(row.case_id, staff) if x["referral_id"] == row.referral_id)

    def for_case(self, case_id: str, staff: Staff) -> list[dict[str, Any]]:
        """The contact centre's read of a case's school referrals, with the school's text (audited)."""
        with Session(self.t.rt.db.engine) as s:
            rows = school_referrals_of_case(s, case_id)
        self.t.rt.audit.record(staff, "read-school-referral", case_id=case_id, detail=f"{len(rows)}")
        return [{"referral_id": r.referral_id, "case_id": r.case_id, "school": (sch.model_dump() if (sch := self.schools.by_id(r.school_id))
                                                          else {"id": r.school_id}),
                 "submitted_at": r.submitted_at.isoformat(), "linked": r.linked, "problem_areas": r.problem_areas,
                 "question": r.question, "tried_steps": r.tried_steps, "tried_text": r.tried_text,
                 "consent": {"by": r.consent_by, "how": r.consent_how, "on": r.consent_on.isoformat()},
                 "sender": r.sender, "attachments": r.attachments} for r in rows]
