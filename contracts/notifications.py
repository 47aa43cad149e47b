"""Events published by the notifications service: what reached whom, and what did not."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.common import SealedContact
from contracts.envelope import Event, F, P, Payload

DELIVERIES_TOPIC = "notifications.deliveries.v1"
# edi: the region's message exchange, to a referring unit (a FHIR Task)
DeliveryChannel = Literal["sms", "email", "digital_letter", "staff_app", "edi"]
RecipientKind = Literal["family", "clinician_on_duty", "unit_head", "kc_head", "coordinator", "referrer"]


class _Notifications(Event[P]):
    TOPIC: ClassVar[str] = DELIVERIES_TOPIC
    PRODUCER: ClassVar[str] = "notifications"
    KEY_FIELD: ClassVar[str] = "notification_id"  # the key of a message about no case (a unit's alert, a call-back's)
    producer: Literal["notifications"] = F("Publisher.", "notifications")


class NotificationPayload(Payload):
    notification_id: str = F("Notification id (event id + recipient).", "N-3K8D2P")
    template: str = F("Template used.", "appointment_confirmation")
    channel: DeliveryChannel | None = F(
        "Channel used (or last tried); null when no channel could be tried (e.g. no contact details).", "sms")
    recipient_kind: RecipientKind = F(
        "Recipient kind (never the address).", "family")
    trigger_event_id: str = F("The event that caused it.", "0b7c1c9e-58a4-4a7e-9d67-3f0f2f0c7a11")
    at: AwareDatetime = F("When.", "2022-11-18T10:06:00+01:00")
    attempts: int = F("Attempts made.", 1, ge=0)
    error: str | None = F("Why it failed, without personal data.", None)
    callback_id: str | None = F("The call-back a message to a caller was about (no case exists yet); then the "
                                "event's case_id is null.", None, default=None)


class NotificationSent(_Notifications[NotificationPayload]):
    """A message reached its channel for a recipient."""
    event_type: Literal["NotificationSent"] = F("Event name.", "NotificationSent")
    payload: NotificationPayload = F("The delivery.")


class NotificationFailed(_Notifications[NotificationPayload]):
    """A message could not be delivered after retries; staff were alerted."""
    event_type: Literal["NotificationFailed"] = F("Event name.", "NotificationFailed")
    payload: NotificationPayload = F("The failure.")


WaitKind = Literal["waiting_list", "bup"]
HowItGoes = Literal["better", "same", "worse"]


class CheckInAnsweredPayload(Payload):
    checkin_id: str = F("The check-in (the notification that carried its link).", "N-3K8D2P7Q4RZ9TB1M")
    wait: WaitKind = F("What the family waits for: a time from the waiting list, or BUP.", "waiting_list")
    how: HowItGoes = F("Since the contact: better, the same, or worse.", "worse")
    still_wanted: bool = F("The family still wants the appointment (false: staff close the case with the family's "
                           "words, never automatically).", True)
    risk: bool = F("The instrument's risk question answered yes: the usual escalation (the clinician on duty).",
                   False)
    worry: SealedContact | None = F("Anything new that worries the family, free text, sealed under the child's key; "
                                    "only notifications opens it, for staff.", None, default=None)
    answered_at: AwareDatetime = F("When the family answered.", "2023-03-28T18:40:00+02:00")


class CheckInAnswered(_Notifications[CheckInAnsweredPayload]):
    """A waiting family answered a check-in: worse or a risk puts the case on the staff's list to call today."""
    event_type: Literal["CheckInAnswered"] = F("Event name.", "CheckInAnswered")
    payload: CheckInAnsweredPayload = F("The answers.")


EVENTS: list[type[Event]] = [NotificationSent, NotificationFailed, CheckInAnswered]
