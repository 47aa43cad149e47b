"""The call platform's reports: each step stored once and published once; the calls a case may be opened from."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.intake.deps import Deps
from services.intake.domain.telephony import step_event
from services.intake.forms import CallStepIn
from services.intake.store.queries import answered_calls_without_case, call_step, call_steps
from services.intake.store.tables import CallStepRow
from services.intake.use_cases.idempotency import Answer


def record_step(deps: Deps, step: CallStepIn) -> Answer:
    """(answer, duplicate). Order does not matter: each step carries the platform's own time."""
    now = deps.clock.now()
    event = step_event(step.step, step.call_id, step.line, step.at, now)
    try:
        with deps.db.uow() as uow:
            known = call_step(uow.session, step.call_id, step.step, step.at)
            if known is not None:
                return {"event_id": known.event_id, "status": "duplicate"}, True
            uow.session.add(CallStepRow(call_id=step.call_id, line=step.line, step=step.step, at=step.at,
                                        received_at=now, event_id=str(event.event_id)))
            uow.publish(event)
            uow.commit()
    except IntegrityError:  # the platform's retry raced the first delivery
        with Session(deps.db.engine) as s:
            known = call_step(s, step.call_id, step.step, step.at)
        assert known is not None
        return {"event_id": known.event_id, "status": "duplicate"}, True
    return {"event_id": str(event.event_id), "status": "recorded"}, False


def steps(deps: Deps, call_id: str) -> list[dict[str, Any]]:
    with Session(deps.db.engine) as s:
        rows = sorted(call_steps(s, call_id), key=lambda r: r.at)
    return [{"step": r.step, "at": r.at.isoformat(), "line": r.line} for r in rows]


def waiting(deps: Deps, hours: int) -> list[dict[str, Any]]:
    """Answered calls (or callbacks) of the last `hours` that no case has taken: what a call handler picks up.
    Call ids and times only: the platform reports no caller identity, and none is kept."""
    since = deps.clock.now() - timedelta(hours=hours)
    with Session(deps.db.engine) as s:
        rows = answered_calls_without_case(s, since)
        seen: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r.call_id not in seen:
                first = min(x.at for x in call_steps(s, r.call_id))
                seen[r.call_id] = {"call_id": r.call_id, "line": r.line, "step": r.step,
                                   "answered_at": r.at.isoformat(), "first_step_at": first.isoformat(),
                                   "queue_wait_s": int((r.at - first).total_seconds())}
    return list(seen.values())
