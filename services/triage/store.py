"""Tables of the triage service: cases waiting for interview, interviews and answers, decisions, collaborations."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, MetaData, String, Table, UniqueConstraint, update
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, col, func, select

from contracts.common import CareLevel, Sex
from services.triage.domain.instruments import Severity


class TriageBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the triage tables: a metadata of their own, so each database holds only its own tables."""


metadata = TriageBase.metadata


class TriageCase(TriageBase, table=True):
    """A case intake handed over (ReferralReceived); what triage needs of the child for the norm tables."""

    __tablename__ = "triage_case"
    case_id: str = Field(primary_key=True, max_length=20)
    patient_ref: str | None = Field(default=None, max_length=40)
    age_years: int | None = None
    sex: Sex | None = Field(default=None, sa_type=String(10))
    municipality: str | None = Field(default=None, max_length=40)
    received_at: datetime | None = None
    interview_scheduled_for: datetime | None = None
    status: str = Field(default="waiting", max_length=20, index=True)  # waiting|interviewing|interviewed|decided|closed
    risk_severity: Severity | None = Field(default=None, sa_type=String(10))
    level: CareLevel | None = Field(default=None, sa_type=String(20))
    correlation_id: str | None = Field(default=None, max_length=36)  # the journey's id, carried onto our events


class Interview(TriageBase, table=True):
    __tablename__ = "interview"
    interview_id: str = Field(primary_key=True, max_length=20)
    case_id: str = Field(index=True, unique=True, max_length=20)  # one interview per case; a dropped call resumes it
    instrument_id: str = Field(max_length=60)
    instrument_version: str = Field(max_length=20)
    forms: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))  # [{id, version}]
    started_at: datetime
    started_by: str = Field(max_length=80)
    last_saved_at: datetime | None = None
    last_saved_by: str | None = Field(default=None, max_length=80)
    escalated_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    completed_at: datetime | None = None
    completed_by: str | None = Field(default=None, max_length=80)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class InterviewAnswer(TriageBase, table=True):
    __tablename__ = "interview_answer"
    interview_id: str = Field(primary_key=True, max_length=20)
    form: str = Field(primary_key=True, max_length=60)
    item: str = Field(primary_key=True, max_length=60)
    value: int
    saved_at: datetime
    saved_by: str = Field(max_length=80)


ANSWERS: Table = metadata.tables["interview_answer"]  # for a whole save's new answers in one INSERT


class CareDecision(TriageBase, table=True):
    __tablename__ = "care_decision"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=20)
    seq: int
    level: CareLevel = Field(sa_type=String(20))
    guide_level: CareLevel = Field(sa_type=String(20))
    rules_version: str = Field(max_length=20)
    overridden: bool
    override_reason: str | None = Field(default=None, max_length=1000)
    decided_at: datetime
    decided_by: str = Field(max_length=80)


class Collaboration(TriageBase, table=True):
    __tablename__ = "collaboration"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=20)
    question: str = Field(max_length=60)
    intervention: str = Field(max_length=60)
    health_centre_unit: str = Field(max_length=60)
    bup_unit: str = Field(max_length=60)
    initiated_at: datetime
    initiated_by: str = Field(max_length=80)


def journey_of(case: TriageCase | None) -> uuid.UUID | None:
    return uuid.UUID(case.correlation_id) if case and case.correlation_id else None


def case_of(session: Session, case_id: str) -> TriageCase | None:
    return session.get(TriageCase, case_id)


def case_or_new(session: Session, case_id: str) -> TriageCase:
    """The case as triage knows it, or a new one (an event of intake's may name a case triage has not seen)."""
    return session.get(TriageCase, case_id) or TriageCase(case_id=case_id)


def interview_of(session: Session, interview_id: str) -> Interview | None:
    return session.get(Interview, interview_id)


def interview_of_case(session: Session, case_id: str) -> Interview | None:
    """The case's one interview, begun or completed."""
    return session.exec(select(Interview).where(col(Interview.case_id) == case_id)).first()


def answers_of(session: Session, interview_id: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in session.exec(select(InterviewAnswer).where(col(InterviewAnswer.interview_id) == interview_id)):
        out.setdefault(row.form, {})[row.item] = row.value
    return out


def stored_answers(session: Session, interview_id: str) -> dict[tuple[str, str], InterviewAnswer]:
    """An interview's saved answer rows by (form, item): read once for a whole save."""
    rows = session.exec(select(InterviewAnswer).where(col(InterviewAnswer.interview_id) == interview_id))
    return {(r.form, r.item): r for r in rows}


def claim_completion(session: Session, interview_id: str, now: datetime) -> bool:
    """Mark the interview completed if it is still open; False when another request completed it first.

    One conditional update decides between two clinicians pressing at the same moment."""
    session.flush()
    claimed = session.connection().execute(
        update(Interview).where(col(Interview.interview_id) == interview_id)
        .where(col(Interview.completed_at).is_(None)).values(completed_at=now))
    return claimed.rowcount == 1


def waiting_cases(session: Session) -> list[TriageCase]:
    """Cases still to be interviewed; risk first, then by booked interview time, then by arrival."""
    rows = list(session.exec(select(TriageCase).where(col(TriageCase.status).in_(["waiting", "interviewing"]))))
    far = datetime.max

    def order(c: TriageCase) -> tuple[int, str, str]:
        booked = c.interview_scheduled_for.isoformat() if c.interview_scheduled_for else far.isoformat()
        arrived = c.received_at.isoformat() if c.received_at else far.isoformat()
        return (0 if c.risk_severity else 1, booked, arrived)

    return sorted(rows, key=order)


def latest_decision(session: Session, case_id: str) -> CareDecision | None:
    return session.exec(select(CareDecision).where(col(CareDecision.case_id) == case_id)
                        .order_by(col(CareDecision.seq).desc())).first()


def next_decision_seq(session: Session, case_id: str) -> int:
    """The number of the case's next decision (1 for the first)."""
    last = session.exec(select(func.max(col(CareDecision.seq))).where(col(CareDecision.case_id) == case_id)).one()
    return (last or 0) + 1


def collaborations_since(session: Session, since: datetime) -> list[Collaboration]:
    """Collaborations initiated since `since`, newest first."""
    return list(session.exec(select(Collaboration).where(col(Collaboration.initiated_at) >= since)
                             .order_by(col(Collaboration.initiated_at).desc())).all())
