"""Tables of the intake service: cases, their contacts, calls, scanned documents, school referrals, returned
referrals, idempotency keys."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, MetaData, Table, UniqueConstraint, text
from sqlalchemy.orm import registry
from sqlmodel import AutoString, Field, SQLModel

from contracts.callbacks import CallbackReason
from contracts.common import Channel, Source
from contracts.intake import Line
from services.intake.domain.callbacks import CallbackStatus
from services.intake.domain.cases import ClosedReason
from services.intake.domain.child import TriageHint
from services.intake.domain.self_referral import PreferredTime, SenderRole, Urgency
from services.intake.domain.telephony import Step

CaseStatus = Literal["open", "closed"]


class IntakeBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the intake tables: a metadata of their own, so each database holds only its own tables."""


metadata = IntakeBase.metadata


def _text(length: int, **kw: Any) -> Any:
    """A column holding a contract `Literal`: text of at most `length` (SQLModel maps no Literal by itself)."""
    return Field(sa_type=AutoString(length=length), max_length=length, **kw)


QUEUED = "assessed_at IS NULL AND acute_risk_at IS NULL"


class CaseRow(IntakeBase, table=True):
    """A child's case at the contact centre. Pseudonymous: no identity number, name or phone here."""

    __tablename__ = "cases"
    # the work queue's order among the cases it lists (open, not yet assessed, no acute risk): a page reads its
    # rows from the index in order instead of sorting every open case; the few acute ones are read apart
    __table_args__ = (Index("ix_cases_work_queue", "status", "clock_start", "case_id",
                            sqlite_where=text(QUEUED), postgresql_where=text(QUEUED)),)
    case_id: str = Field(primary_key=True, max_length=20)
    patient_ref: str = Field(index=True, max_length=40)
    status: CaseStatus = _text(12, index=True)
    channel: Channel = _text(12)
    source: Source = _text(40)
    clock_start: datetime = Field(index=True)
    received_at: datetime
    opened_at: datetime
    age_years: int
    sex: Literal["female", "male"] = _text(10)
    municipality: str = Field(max_length=40)
    triage_hint: TriageHint = _text(20)
    assessed_at: datetime | None = None
    passed_on_at: datetime | None = None  # triage decided a care level (CareLevelDecided)
    closed_at: datetime | None = None
    closed_reason: ClosedReason | None = _text(20, default=None)
    sealed_contact: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    acute_risk_at: datetime | None = None  # a sender's acute-risk answers: the case goes to the top of the queue
    language: str | None = Field(default=None, max_length=3)  # ISO 639 code from data/languages.yaml
    interpreter_needed: bool = False


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
    channel: Channel = _text(12)
    source: Source = _text(40)
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
    line: Line = _text(20)
    step: Step = _text(20)
    at: datetime
    received_at: datetime
    event_id: str = Field(max_length=36)


class CallbackRow(IntakeBase, table=True):
    """A promised call-back. The caller's number is kept here (intake's own database) until the call-back ends,
    for the staff member who takes it; on the bus it is only ever sealed."""

    __tablename__ = "callbacks"
    callback_id: str = Field(primary_key=True, max_length=20)
    call_id: str = Field(max_length=120, unique=True)
    line: Line = _text(20)
    reason: CallbackReason = _text(12)
    requested_at: datetime
    window_start: datetime = Field(index=True)
    window_end: datetime
    same_day: bool
    chosen_start: datetime | None = None
    chosen_end: datetime | None = None
    status: CallbackStatus = _text(12, index=True)
    tries: int = 0
    next_try_at: datetime | None = None
    due_at: datetime = Field(index=True)
    taken_by: str | None = Field(default=None, max_length=120)
    taken_at: datetime | None = None
    number: str | None = Field(default=None, max_length=20)
    language: str = Field(max_length=5)
    sealed_contact: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    policy_version: str = Field(max_length=20)
    ended_at: datetime | None = None
    created_at: datetime
    case_id: str | None = Field(default=None, max_length=20)  # a 'Kontakta oss' call-back: the case it rings about


class StaffingRow(IntakeBase, table=True):
    """The call platform's count of agents signed in to the queue, as it reported it."""

    __tablename__ = "staffing_reports"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    agents_signed_in: int
    received_at: datetime


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
    problem_areas: list[str] = Field(sa_column=Column(JSON, nullable=False))
    question: str = Field(max_length=4000)
    tried_steps: list[str] = Field(sa_column=Column(JSON, nullable=False))
    tried_text: str = Field(max_length=2000)
    consent_by: str = Field(max_length=30)
    consent_how: str = Field(max_length=30)
    consent_on: date
    sender: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    attachments: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class SelfReferralRow(IntakeBase, table=True):
    """A 'Kontakta oss' submission: who sent it (pseudonymous), what worries them, how to reach them.

    The free text and the phone number stay here, in intake's database; only coded problem areas and risk
    answers reach the bus. Staff read it on the case, audited per child."""

    __tablename__ = "self_referrals"
    referral_id: str = Field(primary_key=True, max_length=20)
    case_id: str = Field(index=True, max_length=20)
    sender_role: SenderRole = _text(14)
    sender_ref: str = Field(index=True, max_length=40)  # keyed hash of the sender's identity number
    address_ref: str | None = Field(default=None, index=True, max_length=40)  # keyed hash of the network address
    submitted_at: datetime = Field(index=True)
    linked: bool
    problem_areas: list[str] = Field(sa_column=Column(JSON, nullable=False))
    worry: str = Field(max_length=2000)
    urgency: Urgency = _text(8)
    risk_signals: list[str] = Field(sa_column=Column(JSON, nullable=False))
    phone: str = Field(max_length=20)
    preferred_time: PreferredTime = _text(10)
    sms_ok: bool
    language: str = Field(max_length=10)
    other_language: str | None = Field(default=None, max_length=120)
    interpreter: bool
    guardians_may_know: bool | None = None
    callback_id: str | None = Field(default=None, max_length=20)
class ReturnRow(IntakeBase, table=True):
    """A referral returned to its referrer: the coded reason and the advice as written (the advice stays here and
    travels to notifications only sealed)."""

    __tablename__ = "referral_returns"
    case_id: str = Field(primary_key=True, max_length=20)
    reason: str = Field(max_length=40)
    reasons_version: str = Field(max_length=20)
    advice: str = Field(max_length=2000)
    returned_at: datetime
    by_staff_ref: str = Field(max_length=80)


CallReason = Literal["worse", "risk", "no_longer_needed"]


class CallTodayRow(IntakeBase, table=True):
    """A waiting family's check-in answer that staff must act on today: worse, the risk question, or no longer
    needing the appointment. Nothing is decided from it; a person calls and marks it done (audited)."""

    __tablename__ = "call_today"
    checkin_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(index=True, max_length=20)
    reason: CallReason = _text(20)
    answered_at: datetime = Field(index=True)
    done_at: datetime | None = None
    done_by: str | None = Field(default=None, max_length=80)


class IdempotencyRow(IntakeBase, table=True):
    """The answer given to a submission, so a retry with the same key gets the same case."""

    __tablename__ = "idempotency_keys"
    key: str = Field(primary_key=True, max_length=300)
    request_hash: str = Field(max_length=64)
    case_id: str | None = Field(default=None, max_length=20)
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime



def table(model: type[IntakeBase]) -> Table:
    """A model's Core table, for plain INSERTs that skip the ORM's unit of work (its cost dominated a referral)."""
    return metadata.tables[str(model.__tablename__)]
