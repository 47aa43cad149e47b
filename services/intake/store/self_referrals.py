"""Intake's named queries for 'Kontakta oss' submissions, each taking a session."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from services.intake.store.tables import CaseRow, SelfReferralRow


def sent_since(s: Session, since: datetime, sender_ref: str | None = None, address_ref: str | None = None) -> int:
    """Submissions since `since` by one sender, or from one network address."""
    q = select(func.count()).select_from(SelfReferralRow).where(col(SelfReferralRow.submitted_at) >= since)
    if sender_ref is not None:
        q = q.where(col(SelfReferralRow.sender_ref) == sender_ref)
    if address_ref is not None:
        q = q.where(col(SelfReferralRow.address_ref) == address_ref)
    return int(s.exec(q).one())


def mark_acute(s: Session, case_id: str, at: datetime) -> None:
    """The case goes to the top of the work queue (the first acute answer's time is kept)."""
    s.execute(update(CaseRow).where(col(CaseRow.case_id) == case_id, col(CaseRow.acute_risk_at).is_(None))
              .values(acute_risk_at=at))


def self_referrals_of_case(s: Session, case_id: str) -> list[SelfReferralRow]:
    q = (select(SelfReferralRow).where(col(SelfReferralRow.case_id) == case_id)
         .order_by(col(SelfReferralRow.submitted_at)))
    return list(s.exec(q))
