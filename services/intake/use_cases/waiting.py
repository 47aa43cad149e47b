"""What is waiting at the contact centre: the call-back list for staff, the estimated wait for the platform."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from services.chassis.auth import Staff
from services.intake.deps import Deps
from services.intake.domain.calendar import local
from services.intake.domain.callbacks import Window, overdue
from services.intake.domain.wait import estimate, queue_state
from services.intake.forms import StaffingIn
from services.intake.store.callbacks import latest_staffing, steps_since, waiting_callbacks
from services.intake.store.tables import StaffingRow

STAFFING_FRESH_HOURS = 12  # an older staffing report says nothing about today


def callback_list(deps: Deps, staff: Staff) -> dict[str, Any]:
    """Waiting call-backs, the one due first on top, overdue ones marked. No numbers: a number is given only to
    whoever takes the call-back (so the list is not a read of personal data)."""
    now = deps.clock.now()
    expired = now - timedelta(minutes=deps.callbacks.take_expires_minutes)
    with Session(deps.db.engine) as s:
        rows = waiting_callbacks(s)
    items = []
    for r in rows:
        held = r.taken_by is not None and r.taken_at is not None and r.taken_at >= expired
        items.append({
            "callback_id": r.callback_id, "call_id": r.call_id, "line": r.line, "reason": r.reason,
            "requested_at": local(r.requested_at), "window_start": local(r.window_start),
            "window_end": local(r.window_end), "due_at": local(r.due_at), "tries": r.tries,
            "next_try_at": local(r.next_try_at) if r.next_try_at else None,
            "overdue": overdue(Window(r.window_start, r.window_end), r.next_try_at, now, deps.callbacks),
            "taken": held, "taken_by_me": held and r.taken_by == staff.subject})
    return {"as_of": local(now), "overdue": sum(1 for i in items if i["overdue"]), "callbacks": items}


def report_staffing(deps: Deps, form: StaffingIn) -> dict[str, Any]:
    now = deps.clock.now()
    with deps.db.uow() as uow:
        uow.session.add(StaffingRow(at=form.at, agents_signed_in=form.agents_signed_in, received_at=now))
        uow.commit()
    return {"agents_signed_in": form.agents_signed_in, "at": form.at.isoformat()}


def estimated_wait(deps: Deps) -> dict[str, Any]:
    """The wait a caller ringing now would have, and whether the platform should offer a call-back."""
    now = deps.clock.now()
    rules = deps.callbacks.wait
    with Session(deps.db.engine) as s:
        steps = steps_since(s, now - timedelta(hours=max(rules.sample_hours, rules.queue_seen_hours)))
        agents = latest_staffing(s, now, now - timedelta(hours=STAFFING_FRESH_HOURS))
    est = estimate(queue_state(steps, now, rules), agents or 0, rules)
    return {"as_of": local(now), "estimated_wait_seconds": est.seconds, "offer_callback": est.offer_callback,
            "reason": est.reason, "waiting": est.waiting, "agents_signed_in": est.agents,
            "staffing_reported": agents is not None, "busy": est.busy, "handle_seconds": est.handle_seconds,
            "handle_from": est.handle_from, "method": "erlang_c_conditional: (waiting + 1 - free agents) x mean "
                                                        "handling time / agents signed in",
            "policy_version": deps.callbacks.version}
