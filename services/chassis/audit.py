"""Audit of every read or change of personal data: who, role, unit, which child, action, time, outcome.

A read that returns several children writes a row per child, so "who has seen this child, when, why" is one
query on `patient_ref` (or the child's case ids): `AuditTrail.report`, served to the KC head by the route
every service mounts (`GET /api/audit/children/{patient_ref}`), which is itself audited.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from sqlalchemy import or_
from sqlmodel import Session, col, select

from services.chassis.auth import Staff, require
from services.chassis.db import Database
from services.chassis.tables import AuditRecord

Child = tuple[str | None, str | None]  # (case id, patient ref): either may be unknown to a service


class AuditTrail:
    """Writes audit records in their own transaction so a failed request is still audited."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _row(staff: Staff, action: str, patient_ref: str | None, case_id: str | None, outcome: str,
             detail: str | None, at: datetime) -> AuditRecord:
        return AuditRecord(at=at, actor=staff.subject, role=staff.role, care_unit=staff.unit, patient_ref=patient_ref,
                           case_id=case_id, action=action, outcome=outcome, detail=detail[:400] if detail else None)

    def record(self, staff: Staff, action: str, *, patient_ref: str | None = None, case_id: str | None = None,
               outcome: str = "ok", detail: str | None = None) -> None:
        self.children(staff, action, [(case_id, patient_ref)], outcome=outcome, detail=detail)

    def children(self, staff: Staff, action: str, children: Iterable[Child], *, outcome: str = "ok",
                 detail: str | None = None) -> None:
        """A read that returned these children: one row per child (one row without a child if it returned none)."""
        at = datetime.now(UTC)
        rows = [self._row(staff, action, ref, case, outcome, detail, at) for case, ref in dict.fromkeys(children)]
        with Session(self.db.engine) as s:
            s.add_all(rows or [self._row(staff, action, None, None, outcome, detail, at)])
            s.commit()

    def within(self, uow_session: Session, staff: Staff, action: str, *, patient_ref: str | None = None,
               case_id: str | None = None, outcome: str = "ok", detail: str | None = None) -> None:
        """Audit inside the caller's transaction (for changes: the record commits with the change)."""
        uow_session.add(self._row(staff, action, patient_ref, case_id, outcome, detail, datetime.now(UTC)))

    def report(self, patient_ref: str, case_ids: Sequence[str] = (), limit: int = 5000) -> list[dict[str, Any]]:
        """Every record about the child (by reference, or by one of its case ids), oldest first."""
        cond = col(AuditRecord.patient_ref) == patient_ref
        if case_ids:
            cond = or_(cond, col(AuditRecord.case_id).in_(list(case_ids)))
        with Session(self.db.engine) as s:
            rows = s.exec(select(AuditRecord).where(cond).order_by(col(AuditRecord.at), col(AuditRecord.id))
                          .limit(limit)).all()
        return [{"at": r.at, "actor": r.actor, "role": r.role, "unit": r.care_unit, "action": r.action,
                 "case_id": r.case_id, "patient_ref": r.patient_ref, "outcome": r.outcome, "detail": r.detail}
                for r in rows]


CasesOfChild = Callable[[Session, str], Sequence[str]]  # a named query: a service's case ids of a patient ref


def case_ids_by_ref(model: Any) -> CasesOfChild:
    """A service's own case ids of a child, from a table with `case_id` and `patient_ref` columns."""
    def find(s: Session, patient_ref: str) -> list[str]:
        return list(s.exec(select(model.case_id).where(model.patient_ref == patient_ref)).all())
    return find


@dataclass(frozen=True)
class ChildReport:
    """What the audit report route reads: the trail, the service's name and its query for a child's cases."""

    trail: AuditTrail
    service: str
    cases_of_child: CasesOfChild | None = None  # None: the service keeps no patient reference

    def case_ids(self, patient_ref: str) -> list[str]:
        if self.cases_of_child is None:
            return []
        with Session(self.trail.db.engine) as s:
            return list(self.cases_of_child(s, patient_ref))


def report_of(request: Request) -> ChildReport:
    """The service's audit report (put on `app.state.audit_report` by the runtime)."""
    report: ChildReport = request.app.state.audit_report
    return report


# the KC head's log review for one child in this service: who has seen it, when and why (itself audited)
audit_routes = APIRouter(prefix="/api/audit", tags=["audit"])


@audit_routes.get("/children/{patient_ref}",
                  summary="Who has seen this child in this service, when and why (audited).",
                  description="Every audit record about the child: by its pseudonymous reference, or by one of its "
                              "case ids (this service's own, and any given as `case_id`). `kontakt audit CHILD_REF` "
                              "asks all five services and merges the answers.")
def child_report(patient_ref: str = PathParam(pattern=r"^P-[0-9A-Z]{8,38}$", examples=["P-4Q7T2M9KZ3XW8RB6N1HC"]),
                 case_id: list[str] = Query([], max_length=50, description="More case ids of the child."),
                 staff: Staff = require("kc_head"), report: ChildReport = Depends(report_of)) -> dict[str, Any]:
    cases = sorted(set(case_id) | set(report.case_ids(patient_ref)))
    records = report.trail.report(patient_ref, cases)
    report.trail.children(staff, "read-audit-report", [(c, patient_ref) for c in cases] or [(None, patient_ref)],
                          detail=f"{len(records)} records")
    return {"service": report.service, "patient_ref": patient_ref, "case_ids": cases, "records": records}
