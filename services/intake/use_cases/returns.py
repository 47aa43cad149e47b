"""Return with advice: a licensed professional sends the referral back to its referrer, in the decision's screen;
the reason and advice are kept, the advice travels sealed, the case closes as returned, all in one go."""
from __future__ import annotations

from typing import Any

from services.chassis.auth import Staff
from services.intake.deps import Deps
from services.intake.domain.cases import case_not_found, check_open
from services.intake.domain.idempotency import request_hash
from services.intake.domain.returns import check_return, return_events
from services.intake.forms import ReturnIn
from services.intake.store.queries import case_of, contacts_of
from services.intake.store.tables import ReturnRow
from services.intake.use_cases.cases import apply_events
from services.intake.use_cases.contacts import actor_of
from services.intake.use_cases.idempotency import Answer, remember, replay


def return_referral(deps: Deps, case_id: str, body: ReturnIn, staff: Staff, key: str | None) -> Answer:
    """Checked (licensed, a referral to return, a listed reason, an open case), then one transaction: the return's
    row, the events (ReferralReturned, the assessment if none yet, CaseClosed 'returned'), the audit."""
    now = deps.clock.now()
    scoped = f"key:return:{case_id}:{key}" if key else None
    body_hash = request_hash(body.model_dump())
    with deps.db.uow() as uow:
        s = uow.session
        stored = replay(s, scoped, body_hash)
        if stored is not None:
            return stored, True
        case = case_of(s, case_id)
        if case is None:
            raise case_not_found(case_id)
        check_open(case.status)
        actor = actor_of(staff)
        check_return(actor, [c.channel for c in contacts_of(s, case_id)], body.reason, deps.return_reasons)
        reason = deps.return_reasons.usable(body.reason)
        assert reason is not None  # check_return refused an unknown one
        advice = deps.vault.seal(case.patient_ref, {"advice": body.advice})
        events = return_events(case_id, actor, now, reason, deps.return_reasons.version, advice,
                               assessed=case.assessed_at is not None)
        s.add(ReturnRow(case_id=case_id, reason=body.reason, reasons_version=deps.return_reasons.version,
                        advice=body.advice, returned_at=now, by_staff_ref=staff.subject))
        apply_events(s, case, events, now)
        uow.publish(*events)
        answer: dict[str, Any] = {"case_id": case_id, "status": case.status, "closed_reason": case.closed_reason,
                                  "events": [e.event_type for e in events]}
        remember(s, scoped, body_hash, case_id, answer, now)
        deps.audit.within(s, staff, "return", case_id=case_id, patient_ref=case.patient_ref, detail=body.reason)
        uow.commit()
        return answer, False
