"""Intake's named queries: every read and write of its tables that a use case makes, each taking a session."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, insert, inspect, tuple_, update
from sqlmodel import Session, col, select

from services.intake.store.tables import (
    CallStepRow,
    CallTodayRow,
    CaseRow,
    ContactRow,
    IdempotencyRow,
    IntakeBase,
    OpenCaseRow,
    ReturnRow,
    SchoolReferralRow,
    table,
)


def insert_plain(s: Session, model: type[IntakeBase], **values: Any) -> None:
    """A plain INSERT in the session's transaction: nothing reads the row back in it, and the ORM's unit of
    work was the largest cost of a referral."""
    s.execute(insert(table(model)).values(**values))


def add_unless_stored(s: Session, row: IntakeBase) -> None:
    """Add `row` unless a row with its primary key exists (a re-used scan keeps its first row)."""
    mapper = inspect(type(row))
    if s.get(type(row), mapper.primary_key_from_instance(row)) is None:
        s.add(row)


def case_of(s: Session, case_id: str) -> CaseRow | None:
    return s.get(CaseRow, case_id)


def open_case_of(s: Session, patient_ref: str) -> CaseRow | None:
    """The child's open case, locked for this transaction (PostgreSQL) so two links cannot lose a clock start."""
    link = s.get(OpenCaseRow, patient_ref)
    return s.get(CaseRow, link.case_id, with_for_update=True) if link else None


def move_clock_earlier(s: Session, row: CaseRow, clock_start: datetime) -> None:
    """Earliest wins, atomically: the conditional UPDATE takes the write lock (SQLite has no FOR UPDATE),
    so the re-read value is current and two concurrent links cannot lose the earlier clock start."""
    s.execute(update(CaseRow).where(col(CaseRow.case_id) == row.case_id, col(CaseRow.clock_start) > clock_start)
              .values(clock_start=clock_start))
    s.refresh(row)


def drop_open_link(s: Session, case: CaseRow) -> None:
    """The child has no open case any more (if this case was it)."""
    link = s.get(OpenCaseRow, case.patient_ref)
    if link is not None and link.case_id == case.case_id:
        s.delete(link)


def stored_answer(s: Session, key: str) -> IdempotencyRow | None:
    return s.get(IdempotencyRow, key)


def call_step(s: Session, call_id: str, step: str, at: datetime) -> CallStepRow | None:
    """The stored report of this step of this call at this time, if the platform sent it before."""
    return s.exec(select(CallStepRow).where(col(CallStepRow.call_id) == call_id, col(CallStepRow.step) == step,
                                            col(CallStepRow.at) == at)).first()


def call_steps(s: Session, call_id: str) -> list[CallStepRow]:
    return list(s.exec(select(CallStepRow).where(col(CallStepRow.call_id) == call_id)))


def answered_calls_without_case(s: Session, since: datetime, limit: int = 50) -> list[CallStepRow]:
    """Calls answered or called back since `since` that no case has taken yet, newest first."""
    taken = select(ContactRow.call_id).where(col(ContactRow.call_id).is_not(None))
    q = (select(CallStepRow).where(col(CallStepRow.step).in_(("CallAnswered", "CallbackMade")),
                                   col(CallStepRow.at) >= since, col(CallStepRow.call_id).not_in(taken))
         .order_by(col(CallStepRow.at).desc()).limit(limit))
    return list(s.exec(q))


QueueKey = tuple[bool, datetime, str]  # a row's place in the queue: (no acute risk, clock start, case id)


def work_queue(s: Session, limit: int = 500, after: QueueKey | None = None, channel: str | None = None,
               started_before: datetime | None = None) -> list[CaseRow]:
    """Open cases not yet medically assessed: acute risk on top, then the oldest clock start first. A page of them:
    those after `after` (the last row of the page before), of one channel or started before a time if asked.
    The acute ones (few) are read apart; the rest come in the order of the partial index ix_cases_work_queue, so
    a page reads its rows instead of sorting every open case."""
    cond: list[Any] = [col(CaseRow.status) == "open", col(CaseRow.assessed_at).is_(None)]
    if channel:
        cond.append(col(CaseRow.channel) == channel)
    if started_before is not None:
        cond.append(col(CaseRow.clock_start) < started_before)
    later: list[Any] = []
    if after is not None:
        _, clock, case_id = after
        later = [tuple_(col(CaseRow.clock_start), col(CaseRow.case_id)) > (clock, case_id)]
    order = (col(CaseRow.clock_start), col(CaseRow.case_id))
    rows: list[CaseRow] = []
    if after is None or not after[0]:  # the page begins among the acute cases
        acute = select(CaseRow).where(*cond, col(CaseRow.acute_risk_at).is_not(None), *later)
        rows = list(s.exec(acute.order_by(*order).limit(limit)))
    if len(rows) < limit:
        calm = select(CaseRow).where(*cond, col(CaseRow.acute_risk_at).is_(None),
                                     *(later if after is not None and after[0] else []))
        rows += list(s.exec(calm.order_by(*order).limit(limit - len(rows))))
    return rows


def work_queue_counts(s: Session, at_risk_before: datetime, broken_before: datetime) -> list[tuple[str, int, int, int]]:
    """Per channel, the cases waiting for their assessment: all, at risk (started before `at_risk_before`) and
    past the promise (before `broken_before`), counted by the database."""
    clock = col(CaseRow.clock_start)
    q = (select(CaseRow.channel, func.count(), func.sum(case((clock < at_risk_before, 1), else_=0)),
                func.sum(case((clock < broken_before, 1), else_=0)))
         .where(col(CaseRow.status) == "open", col(CaseRow.assessed_at).is_(None)).group_by(CaseRow.channel))
    return [(str(ch), int(n), int(risk or 0), int(broken or 0)) for ch, n, risk, broken in s.exec(q)]


def contacts_of(s: Session, case_id: str) -> list[ContactRow]:
    return list(s.exec(select(ContactRow).where(col(ContactRow.case_id) == case_id).order_by(col(ContactRow.id))))


def calls_today(s: Session, limit: int = 200) -> list[tuple[CallTodayRow, CaseRow]]:
    """Check-in answers not yet acted on, risk first, then the oldest answer, each with its case."""
    q = (select(CallTodayRow, CaseRow).where(col(CallTodayRow.done_at).is_(None),
                                             col(CallTodayRow.case_id) == col(CaseRow.case_id))
         .order_by(col(CallTodayRow.reason) != "risk", col(CallTodayRow.answered_at)).limit(limit))
    return [(c, k) for c, k in s.exec(q)]


def return_of(s: Session, case_id: str) -> ReturnRow | None:
    return s.get(ReturnRow, case_id)


def school_referral(s: Session, referral_id: str) -> SchoolReferralRow | None:
    return s.get(SchoolReferralRow, referral_id)


def school_referrals_of(s: Session, school_id: str, limit: int = 200) -> list[tuple[SchoolReferralRow, CaseRow]]:
    """A school's referrals, newest first, each with its case (for the status only)."""
    q = (select(SchoolReferralRow, CaseRow).where(col(SchoolReferralRow.school_id) == school_id,
                                                  col(SchoolReferralRow.case_id) == col(CaseRow.case_id))
         .order_by(col(SchoolReferralRow.submitted_at).desc()).limit(limit))
    return [(r, c) for r, c in s.exec(q)]


def school_referrals_of_case(s: Session, case_id: str) -> list[SchoolReferralRow]:
    q = (select(SchoolReferralRow).where(col(SchoolReferralRow.case_id) == case_id)
         .order_by(col(SchoolReferralRow.submitted_at)))
    return list(s.exec(q))


def submissions_since(s: Session, sender_ref: str, since: datetime) -> int:
    q = select(SchoolReferralRow.referral_id).where(col(SchoolReferralRow.sender_ref) == sender_ref,
                                                    col(SchoolReferralRow.submitted_at) >= since)
    return len(list(s.exec(q)))


def children_of_document(s: Session, sha256: str) -> list[tuple[str, str]]:
    """(case id, patient ref) of every case a stored document came in with: a paper scan or a school's attachment."""
    paper = select(ContactRow.case_id).where(col(ContactRow.document_sha256) == sha256)
    school = select(SchoolReferralRow.case_id).where(cast(col(SchoolReferralRow.attachments), String).contains(sha256))
    q = select(CaseRow.case_id, CaseRow.patient_ref).where(col(CaseRow.case_id).in_(paper.union(school)))
    return [(case_id, ref) for case_id, ref in s.exec(q)]
