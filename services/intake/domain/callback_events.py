"""The events of a call-back's life, built from its facts (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from contracts.callbacks import (
    CallbackAttempted,
    CallbackAttemptedPayload,
    CallbackCancelled,
    CallbackCancelledPayload,
    CallbackFailed,
    CallbackFailedPayload,
    CallbackPromised,
    CallbackPromisedPayload,
    CallbackReason,
)
from contracts.common import SealedContact
from contracts.envelope import Event
from contracts.intake import CallbackMade, CallPayload, Line
from services.intake.domain.callbacks import Promise, TryResult, Window


@dataclass(frozen=True)
class CallbackFacts:
    """What every event of one call-back repeats."""

    callback_id: str
    call_id: str
    line: Line
    window: Window


def promised(f: CallbackFacts, reason: CallbackReason, requested_at: datetime, promise: Promise,
             contact: SealedContact, policy_version: str, now: datetime) -> CallbackPromised:
    return CallbackPromised.new(occurred_at=requested_at, recorded_at=now, payload=CallbackPromisedPayload(
        callback_id=f.callback_id, call_id=f.call_id, line=f.line, reason=reason, requested_at=requested_at,
        window_start=promise.window.start, window_end=promise.window.end, same_day=promise.same_day,
        chosen_window_kept=promise.chosen_kept, policy_version=policy_version, contact=contact))


def tried(f: CallbackFacts, attempt: int, result: TryResult, staff_ref: str, contact: SealedContact,
          now: datetime, call_step: bool = True) -> list[Event]:
    """The try; reached also makes the call's `CallbackMade` step (so it becomes the usual call) unless the
    call-back is no platform call's (`call_step`); the last failed try fails the call-back with the sealed
    number, for the message asking the family to call."""
    reached = result.status == "reached"
    events: list[Event] = [CallbackAttempted.new(occurred_at=now, recorded_at=now, payload=CallbackAttemptedPayload(
        callback_id=f.callback_id, call_id=f.call_id, attempt=attempt, at=now,
        outcome="reached" if reached else "not_reached", window_start=f.window.start, window_end=f.window.end,
        next_try_at=result.next_try_at, by_staff_ref=staff_ref))]
    if reached and call_step:
        events.append(CallbackMade.new(occurred_at=now, recorded_at=now,
                                       payload=CallPayload(call_id=f.call_id, line=f.line, at=now)))
    if result.status == "failed":
        events.append(CallbackFailed.new(occurred_at=now, recorded_at=now, payload=CallbackFailedPayload(
            callback_id=f.callback_id, call_id=f.call_id, tries=attempt, failed_at=now, contact=contact)))
    return events


def cancelled(f: CallbackFacts, by: Literal["caller", "staff"], now: datetime) -> CallbackCancelled:
    return CallbackCancelled.new(occurred_at=now, recorded_at=now, payload=CallbackCancelledPayload(
        callback_id=f.callback_id, call_id=f.call_id, cancelled_at=now, by=by))
