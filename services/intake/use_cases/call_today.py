"""The staff's list of families to call today, from waiting families' check-in answers: worse, the risk question,
or no longer needing the appointment. Nothing is decided from an answer; a person calls and marks it done."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.notifications import CheckInAnswered
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.store.queries import calls_today, case_of
from services.intake.store.tables import CallReason, CallTodayRow


def reason_of(how: str, risk: bool, still_wanted: bool) -> CallReason | None:
    """Why staff call (the risk first), or None when the answer needs no call (better or the same, still wanted)."""
    if risk:
        return "risk"
    if how == "worse":
        return "worse"
    return None if still_wanted else "no_longer_needed"


def answered(ev: CheckInAnswered, uow: UnitOfWork) -> None:
    """A check-in answer lands on the open case; once per check-in, whatever the redelivery."""
    p = ev.payload
    reason = reason_of(p.how, p.risk, p.still_wanted)
    case = case_of(uow.session, ev.case_id) if ev.case_id else None
    if reason is None or case is None or case.status != "open":
        return
    if uow.session.get(CallTodayRow, p.checkin_id) is not None:
        return
    uow.session.add(CallTodayRow(checkin_id=p.checkin_id, case_id=case.case_id, reason=reason,
                                 answered_at=p.answered_at))


def today_list(deps: Deps, staff: Staff) -> dict[str, Any]:
    """The list (an audited read, a row per child): the case, why, when the family answered."""
    with Session(deps.db.engine) as s:
        rows = calls_today(s)
    deps.audit.children(staff, "read-call-today", [(c.case_id, k.patient_ref) for c, k in rows],
                        detail=f"{len(rows)} to call")
    return {"calls": [{"checkin_id": c.checkin_id, "case_id": c.case_id, "reason": c.reason,
                       "answered_at": c.answered_at.isoformat(), "age_years": k.age_years,
                       "municipality": k.municipality, "language": k.language,
                       "interpreter_needed": k.interpreter_needed} for c, k in rows]}


def done(deps: Deps, checkin_id: str, staff: Staff, now: datetime) -> dict[str, Any]:
    """A person called the family and marks it done (audited with the change)."""
    with deps.db.uow() as uow:
        row = uow.session.get(CallTodayRow, checkin_id[:40])
        if row is None:
            raise Refused(Refusal("checkin_id", "not_found", "Finns inte på listan.", "Not on the list.", 404))
        case = case_of(uow.session, row.case_id)
        if row.done_at is None:
            row.done_at, row.done_by = now, staff.subject
            uow.session.add(row)
            deps.audit.within(uow.session, staff, "call-today-done", case_id=row.case_id,
                              patient_ref=case.patient_ref if case else None, detail=row.reason)
        uow.commit()
        return {"checkin_id": row.checkin_id, "done_at": row.done_at.isoformat() if row.done_at else None}
