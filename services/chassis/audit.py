"""Audit of every read or change of personal data: who, role, unit, patient, action, time, outcome."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session

from services.chassis.auth import Staff
from services.chassis.db import Database
from services.chassis.tables import AuditRecord


class AuditTrail:
    """Writes audit records in their own transaction so a failed request is still audited."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, staff: Staff, action: str, *, patient_ref: str | None = None, case_id: str | None = None,
               outcome: str = "ok", detail: str | None = None) -> None:
        with Session(self.db.engine) as s:
            s.add(AuditRecord(at=datetime.now(timezone.utc), actor=staff.subject, role=staff.role,
                              care_unit=staff.unit, patient_ref=patient_ref, case_id=case_id, action=action,
                              outcome=outcome, detail=detail))
            s.commit()

    def within(self, uow_session: Session, staff: Staff, action: str, *, patient_ref: str | None = None,
               case_id: str | None = None, outcome: str = "ok", detail: str | None = None) -> None:
        """Audit inside the caller's transaction (for changes: the record commits with the change)."""
        uow_session.add(AuditRecord(at=datetime.now(timezone.utc), actor=staff.subject, role=staff.role,
                                    care_unit=staff.unit, patient_ref=patient_ref, case_id=case_id, action=action,
                                    outcome=outcome, detail=detail))
