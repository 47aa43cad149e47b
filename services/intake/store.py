"""Tables of the intake service: cases, their contacts, calls, scanned documents, idempotency keys."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, MetaData, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, select


class IntakeBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the intake tables: a metadata of their own, so each database holds only its own tables."""


metadata = IntakeBase.metadata


class CaseRow(IntakeBase, table=True):
    """A child's case at the contact centre. Pseudonymous: no identity number, name or phone here."""

    __tablename__ = "cases"
    case_id: str = Field(primary_key=True, max_length=20)
    patient_ref: str = Field(index=True, max_length=40)
    status: str = Field(max_length=12, index=True)  # open | closed
    channel: str = Field(max_length=12)
    source: str = Field(max_length=40)
    clock_start: datetime = Field(index=True)
    received_at: datetime
    opened_at: datetime
    age_years: int
    sex: str = Field(max_length=10)
    municipality: str = Field(max_length=40)
    triage_hint: str = Field(max_length=20)
    assessed_at: datetime | None = None
    passed_on_at: datetime | None = None  # triage decided a care level (CareLevelDecided)
    closed_at: datetime | None = None
    closed_reason: str | None = Field(default=None, max_length=20)
    sealed_contact: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class OpenCaseRow(IntakeBase, table=True):
    """At most one open case per child: the primary key refuses a second one, even under concurrency."""

    __tablename__ = "open_cases"
    patient_ref: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(max_length=20)


class ContactRow(IntakeBase, table=True):
    """Each way in that reached a case (the first one and every linked one)."""

    __tablename__ = "case_contacts"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=20)
    channel: str = Field(max_length=12)
    source: str = Field(max_length=40)
    clock_start: datetime
    received_at: datetime
    linked: bool
    external_ref: str | None = Field(default=None, max_length=120)
    call_id: str | None = Field(default=None, max_length=120, index=True)
    document_sha256: str | None = Field(default=None, max_length=64)
    date_written: date | None = None
    date_arrived: date | None = None
    recorded_at: datetime


class CallStepRow(IntakeBase, table=True):
    """One step of a call as the platform reported it; a retried report hits the unique constraint."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_id", "step", "at", name="uq_call_step"),)
    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(index=True, max_length=120)
    line: str = Field(max_length=20)
    step: str = Field(max_length=20)
    at: datetime
    received_at: datetime
    event_id: str = Field(max_length=36)


class DocumentRow(IntakeBase, table=True):
    """A scanned referral in the content-addressed store (the file lives under data_dir/documents)."""

    __tablename__ = "documents"
    sha256: str = Field(primary_key=True, max_length=64)
    content_type: str = Field(max_length=40)
    size_bytes: int
    stored_at: datetime


class SchoolReferralRow(IntakeBase, table=True):
    """A referral from a school's digital form: who sent it for which school, the consent, the school's text.

    The free text (question, what was tried) and the sender's contact stay here, in intake's database: only
    coded problem areas reach the bus. The school sees this row's status through its case, never its content.
    """

    __tablename__ = "school_referrals"
    referral_id: str = Field(primary_key=True, max_length=20)
    case_id: str = Field(index=True, max_length=20)
    school_id: str = Field(index=True, max_length=60)
    sender_ref: str = Field(index=True, max_length=120)
    submitted_at: datetime = Field(index=True)
    linked: bool
    problem_areas: list = Field(sa_column=Column(JSON, nullable=False))
    question: str = Field(max_length=4000)
    tried_steps: list = Field(sa_column=Column(JSON, nullable=False))
    tried_text: str = Field(max_length=2000)
    consent_by: str = Field(max_length=30)
    consent_how: str = Field(max_length=30)
    consent_on: date
    sender: dict = Field(sa_column=Column(JSON, nullable=False))
    attachments: list = Field(sa_column=Column(JSON, nullable=False))


class IdempotencyRow(IntakeBase, table=True):
    """The answer given to a submission, so a retry with the same key gets the same case."""

    __tablename__ = "idempotency_keys"
    key: str = Field(primary_key=True, max_length=300)
    request_hash: str = Field(max_length=64)
    case_id: str | None = Field(default=None, max_length=20)
    response: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


def open_case_of(s: Session, patient_ref: str) -> CaseRow | None:
    """The child's open case, locked for this transaction (PostgreSQL) so two links cannot lose a clock start."""
    link = s.get(OpenCaseRow, patient_ref)
    return s.get(CaseRow, link.case_id, with_for_update=True) if link else None


def call_steps(s: Session, call_id: str) -> list[CallStepRow]:
    return list(s.exec(select(CallStepRow).where(CallStepRow.call_id == call_id)))


def answered_calls_without_case(s: Session, since: datetime, limit: int = 50) -> list[CallStepRow]:
    """Calls answered or called back since `since` that no case has taken yet, newest first."""
    taken = select(ContactRow.call_id).where(ContactRow.call_id.is_not(None))  # type: ignore[union-attr]
    q = (select(CallStepRow).where(CallStepRow.step.in_(("CallAnswered", "CallbackMade")),  # type: ignore[attr-defined]
                                   CallStepRow.at >= since, CallStepRow.call_id.not_in(taken))  # type: ignore[attr-defined]
         .order_by(CallStepRow.at.desc()).limit(limit))  # type: ignore[attr-defined]
    return list(s.exec(q))


def work_queue(s: Session, limit: int = 500) -> list[CaseRow]:
    """Open cases not yet medically assessed, oldest clock start first."""
    q = (select(CaseRow).where(CaseRow.status == "open", CaseRow.assessed_at.is_(None))  # type: ignore[union-attr]
         .order_by(CaseRow.clock_start, CaseRow.case_id).limit(limit))  # type: ignore[arg-type]
    return list(s.exec(q))


def contacts_of(s: Session, case_id: str) -> list[ContactRow]:
    return list(s.exec(select(ContactRow).where(ContactRow.case_id == case_id).order_by(ContactRow.id)))  # type: ignore[arg-type]


def school_referrals_of(s: Session, school_id: str, limit: int = 200) -> list[tuple[SchoolReferralRow, CaseRow]]:
    """A school's referrals, newest first, each with its case (for the status only)."""
    q = (select(SchoolReferralRow, CaseRow).where(SchoolReferralRow.school_id == school_id,
                                                  SchoolReferralRow.case_id == CaseRow.case_id)
         .order_by(SchoolReferralRow.submitted_at.desc()).limit(limit))  # type: ignore[attr-defined]
    return [(r, c) for r, c in s.exec(q)]


def school_referrals_of_case(s: Session, case_id: str) -> list[SchoolReferralRow]:
    q = select(SchoolReferralRow).where(SchoolReferralRow.case_id == case_id).order_by(SchoolReferralRow.submitted_at)
    return list(s.exec(q))  # type: ignore[arg-type]


def submissions_since(s: Session, sender_ref: str, since: datetime) -> int:
    q = select(SchoolReferralRow.referral_id).where(SchoolReferralRow.sender_ref == sender_ref,
                                                    SchoolReferralRow.submitted_at >= since)
    return len(list(s.exec(q)))
