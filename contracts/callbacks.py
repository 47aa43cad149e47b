"""Events published by the intake service about call-backs: promised, tried, failed after the last try, cancelled.

A call-back belongs to a call (keyed by the call id on the telephony topic, like the call's steps), not yet to a
case: the caller has not said who the child is. The caller's number travels only sealed, under a key of its own
per call-back (the call-back id), so deleting that key erases the number from every copy.
"""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.common import SealedContact
from contracts.envelope import Event, F, P, Payload
from contracts.intake import TELEPHONY_TOPIC, Line

# self_referral: the contact centre rings back whoever sent "Kontakta oss" (the envelope then carries the case)
CallbackReason = Literal["chosen", "queue_full", "self_referral"]
CallbackOutcome = Literal["reached", "not_reached"]

_ID = F("The contact centre's id of the call-back.", "CB-7K3M9Q2XH4TB", pattern=r"^CB-[0-9A-Z]{12}$")
_CALL = F("The call platform's id of the call the call-back was asked for on.", "call-20230314-000123")


class CallbackPromisedPayload(Payload):
    callback_id: str = _ID
    call_id: str = _CALL
    line: Line = F("Which number was called.", "public_1177")
    reason: CallbackReason = F("Why: the caller chose 'ring upp mig' in the queue, met a full queue, or sent the "
                               "'Kontakta oss' form.", "queue_full")
    requested_at: AwareDatetime = F("When the caller asked (the platform's time).", "2023-03-14T08:02:10+01:00")
    window_start: AwareDatetime = F("Start of the promised window.", "2023-03-14T10:00:00+01:00")
    window_end: AwareDatetime = F("End of the promised window.", "2023-03-14T11:00:00+01:00")
    same_day: bool = F("The window is on the day of the request (Europe/Stockholm).", True)
    chosen_window_kept: bool | None = F("Whether the window the caller chose was kept; null when none was chosen.",
                                        None)
    policy_version: str = F("Version of the call-back policy that decided the window.", "2026.1")
    contact: SealedContact = F("The caller's number and language, sealed under the call-back's own key.")


class CallbackAttemptedPayload(Payload):
    callback_id: str = _ID
    call_id: str = _CALL
    attempt: int = F("Which try this was (1 to the policy's last).", 1, ge=1)
    at: AwareDatetime = F("When the staff member rang.", "2023-03-14T10:12:00+01:00")
    outcome: CallbackOutcome = F("Whether the caller answered.", "reached")
    window_start: AwareDatetime = F("Start of the promised window (to tell whether it was kept).",
                                    "2023-03-14T10:00:00+01:00")
    window_end: AwareDatetime = F("End of the promised window.", "2023-03-14T11:00:00+01:00")
    next_try_at: AwareDatetime | None = F("When the next try is due; null when reached or none is left.", None)
    by_staff_ref: str = F("Pseudonymous staff id of who rang.", "S-2F9K")


class CallbackFailedPayload(Payload):
    callback_id: str = _ID
    call_id: str = _CALL
    tries: int = F("How many tries were made, none reaching the caller.", 3, ge=1)
    failed_at: AwareDatetime = F("When the last try failed.", "2023-03-14T14:40:00+01:00")
    contact: SealedContact = F("The caller's number, sealed: the family is sent a message asking them to call.")


class CallbackCancelledPayload(Payload):
    callback_id: str = _ID
    call_id: str = _CALL
    cancelled_at: AwareDatetime = F("When.", "2023-03-14T09:40:00+01:00")
    by: Literal["caller", "staff"] = F("The caller cancelled (told staff or the platform), or staff did.", "caller")


class _Callback(Event[P]):
    TOPIC: ClassVar[str] = TELEPHONY_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    KEY_FIELD: ClassVar[str] = "call_id"
    producer: Literal["intake"] = F("The service that published this event.", "intake")


class CallbackPromised(_Callback[CallbackPromisedPayload]):
    """A caller who chose a call-back, or met a full queue, was promised a window to be called back in."""
    event_type: Literal["CallbackPromised"] = F("Event name.", "CallbackPromised")
    payload: CallbackPromisedPayload = F("The promise.")


class CallbackAttempted(_Callback[CallbackAttemptedPayload]):
    """Staff rang the caller back: reached (the call goes on as a call) or not (a next try is set, if any is left)."""
    event_type: Literal["CallbackAttempted"] = F("Event name.", "CallbackAttempted")
    payload: CallbackAttemptedPayload = F("The try.")


class CallbackFailed(_Callback[CallbackFailedPayload]):
    """The last try did not reach the caller: the family is asked by message to call the contact centre."""
    event_type: Literal["CallbackFailed"] = F("Event name.", "CallbackFailed")
    payload: CallbackFailedPayload = F("The failure.")


class CallbackCancelled(_Callback[CallbackCancelledPayload]):
    """The call-back is not to be made (the caller called again or said so)."""
    event_type: Literal["CallbackCancelled"] = F("Event name.", "CallbackCancelled")
    payload: CallbackCancelledPayload = F("The cancellation.")


EVENTS: list[type[Event]] = [CallbackPromised, CallbackAttempted, CallbackFailed, CallbackCancelled]
