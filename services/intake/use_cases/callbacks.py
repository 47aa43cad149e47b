"""Call-backs, intake's side: the platform's request promised and told, taking one, how a try ends."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contracts.callbacks import CallbackPromised, CallbackReason
from contracts.common import ContactDetails, SealedContact
from contracts.envelope import Event
from contracts.intake import Line
from services.chassis.auth import Staff
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local
from services.intake.domain.callback_events import CallbackFacts, cancelled, promised, tried
from services.intake.domain.callbacks import Window, after_try, check_chosen, due_at, promise_window
from services.intake.domain.telephony import Step, step_event
from services.intake.forms import CallbackOutcomeIn, CallbackRequestIn
from services.intake.store.callbacks import callback, callback_of_call, hand_back, load_per_window, take
from services.intake.store.queries import call_step
from services.intake.store.tables import CallbackRow, CallStepRow
from services.intake.use_cases.idempotency import Answer

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_callback_id() -> str:
    return "CB-" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def promise_answer(row: CallbackRow) -> dict[str, Any]:
    return {"callback_id": row.callback_id, "call_id": row.call_id, "window_start": local(row.window_start),
            "window_end": local(row.window_end), "same_day": row.same_day, "status": row.status}


@dataclass(frozen=True)
class Asked:
    """A call-back someone asked for: by the platform for a caller, or by 'Kontakta oss' for its sender."""

    call_id: str
    line: Line
    reason: CallbackReason
    at: datetime
    number: str
    language: Literal["sv", "en"]
    chosen: Window | None = None
    case_id: str | None = None


def promise_callback(s: Session, deps: Deps, asked: Asked, now: datetime) -> tuple[CallbackRow, CallbackPromised]:
    """The promised window, the call-back row and the event that tells it, in the caller's transaction."""
    callback_id = new_callback_id()
    contact = deps.vault.seal(callback_id, ContactDetails(phone=asked.number, language=asked.language).model_dump())
    promise = promise_window(asked.at, load_per_window(s, asked.at - timedelta(hours=1)), deps.callbacks,
                             asked.chosen)
    chosen = asked.chosen
    row = CallbackRow(
        callback_id=callback_id, call_id=asked.call_id, line=asked.line, reason=asked.reason, requested_at=asked.at,
        window_start=promise.window.start, window_end=promise.window.end, same_day=promise.same_day,
        chosen_start=chosen.start if chosen else None, chosen_end=chosen.end if chosen else None, status="waiting",
        due_at=promise.window.start, number=asked.number, language=asked.language,
        sealed_contact=contact.model_dump(), policy_version=deps.callbacks.version, created_at=now,
        case_id=asked.case_id)
    s.add(row)
    facts = CallbackFacts(callback_id, asked.call_id, asked.line, promise.window)
    return row, promised(facts, asked.reason, asked.at, promise, contact, deps.callbacks.version, now)


def request(deps: Deps, form: CallbackRequestIn) -> Answer:
    """Promise a window and tell it (the SMS goes from notifications); the call's step is recorded with it.
    One call-back per call: the platform's retry gets the first promise back."""
    now = deps.clock.now()
    step: Step = "QueueFull" if form.reason == "queue_full" else "CallbackScheduled"
    step_ev = step_event(step, form.call_id, form.line, form.at, now)  # refuses a time in the future
    chosen = Window(form.window.start, form.window.end) if form.window else None
    check_chosen(chosen, form.at)
    if form.reason == "self_referral":
        raise Refused(Refusal("reason", "not_a_call", "En återuppringning från samtalsplattformen gäller ett samtal.",
                              "A call-back from the call platform is about a call."))
    with Session(deps.db.engine) as s:
        known = callback_of_call(s, form.call_id)
    if known is not None:
        return promise_answer(known), True
    try:
        with deps.db.uow() as uow:
            s = uow.session
            if call_step(s, form.call_id, step, form.at) is None:
                s.add(CallStepRow(call_id=form.call_id, line=form.line, step=step, at=form.at, received_at=now,
                                  event_id=str(step_ev.event_id)))
                uow.publish(step_ev)
            row, event = promise_callback(s, deps, Asked(form.call_id, form.line, form.reason, form.at, form.number,
                                                         form.language, chosen), now)
            uow.publish(event)
            uow.commit()
            return promise_answer(row), False
    except IntegrityError:  # the platform's retry raced the first request: answer with the first promise
        with Session(deps.db.engine) as s:
            known = callback_of_call(s, form.call_id)
        if known is None:
            raise
        return promise_answer(known), True


def _not_found(callback_id: str) -> Refused:
    return Refused(Refusal("callback_id", "not_found", f"Återuppringningen {callback_id[:20]} finns inte.",
                           f"Call-back {callback_id[:20]} does not exist.", 404))


def _conflict(row: CallbackRow) -> Refused:
    if row.status != "waiting":
        return Refused(Refusal("callback_id", "callback_ended", "Återuppringningen är redan avslutad.",
                               "The call-back has already ended.", 409))
    return Refused(Refusal("callback_id", "already_taken", "En kollega har redan tagit återuppringningen.",
                           "A colleague has already taken the call-back.", 409))


def take_callback(deps: Deps, callback_id: str, staff: Staff) -> dict[str, Any]:
    """Take a call-back to ring it: the number is given to this staff member only (an audited read)."""
    now = deps.clock.now()
    expired = now - timedelta(minutes=deps.callbacks.take_expires_minutes)
    with deps.db.uow() as uow:
        won = take(uow.session, callback_id, staff.subject, now, expired)
        row = callback(uow.session, callback_id)
        if row is not None and won:
            deps.audit.within(uow.session, staff, "take-callback", detail=callback_id)
            uow.commit()
    if row is None or not won:  # audited after the unit ended: its write lock is released (SQLite)
        outcome = "not_found" if row is None else "taken_by_other" if row.status == "waiting" else "ended"
        deps.audit.record(staff, "take-callback", detail=callback_id[:20], outcome=outcome)
        raise _not_found(callback_id) if row is None else _conflict(row)
    return {**promise_answer(row), "number": row.number, "tries": row.tries, "line": row.line,
            "reason": row.reason, "requested_at": local(row.requested_at)}


def release(deps: Deps, callback_id: str, staff: Staff) -> dict[str, Any]:
    """Put a taken call-back back on the list, untried."""
    with deps.db.uow() as uow:
        if not hand_back(uow.session, callback_id, staff.subject):
            row = callback(uow.session, callback_id)
            raise _not_found(callback_id) if row is None else _conflict(row)
        uow.commit()
    return {"callback_id": callback_id, "status": "waiting"}


def finish(deps: Deps, callback_id: str, body: CallbackOutcomeIn, staff: Staff) -> dict[str, Any]:
    """A try's end (reached, not reached) or a cancellation, by the staff member holding the call-back."""
    now = deps.clock.now()
    with deps.db.uow() as uow:
        s = uow.session
        held = hand_back(s, callback_id, staff.subject)  # atomic: a double click ends one try, not two
        row = callback(s, callback_id)
        if row is None or not held:
            raise _not_found(callback_id) if row is None else _conflict(row)
        facts = CallbackFacts(row.callback_id, row.call_id, row.line, Window(row.window_start, row.window_end))
        if body.outcome == "cancelled":
            row.status = "cancelled"
            uow.publish(cancelled(facts, "caller", now))
        else:
            uow.publish(*_try(s, row, facts, body.outcome == "reached", staff, now, deps))
        if row.status != "waiting":  # ended: the number is not kept beyond its use
            row.ended_at, row.number = now, None
        s.add(row)
        deps.audit.within(s, staff, f"callback-{body.outcome}", detail=callback_id)
        uow.commit()
    return {"callback_id": callback_id, "call_id": row.call_id, "case_id": row.case_id, "status": row.status,
            "tries": row.tries,
            "next_try_at": local(row.next_try_at) if row.next_try_at else None}


def _try(s: Session, row: CallbackRow, facts: CallbackFacts, reached: bool, staff: Staff, now: datetime,
         deps: Deps) -> list[Event]:
    """One try on the row; reached records the call's `CallbackMade` step, so a case opens from it as from any
    answered call."""
    result = after_try(row.tries, reached, now, deps.callbacks)
    row.tries += 1
    row.status, row.next_try_at = result.status, result.next_try_at
    row.due_at = due_at(facts.window, result.next_try_at)
    events = tried(facts, row.tries, result, staff.subject, SealedContact.model_validate(row.sealed_contact), now,
                   call_step=row.reason != "self_referral")  # a form's call-back is no call of the platform's
    made = next((e for e in events if e.event_type == "CallbackMade"), None)
    if made is not None:
        s.add(CallStepRow(call_id=row.call_id, line=row.line, step="CallbackMade", at=now, received_at=now,
                          event_id=str(made.event_id)))
    return events
