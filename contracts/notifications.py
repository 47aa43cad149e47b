"""Events published by the notifications service: what reached whom, and what did not."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.envelope import Event, F, P, Payload

DELIVERIES_TOPIC = "notifications.deliveries.v1"
# edi: the region's message exchange, to a referring unit (a FHIR Task)
DeliveryChannel = Literal["sms", "email", "digital_letter", "staff_app", "edi"]
RecipientKind = Literal["family", "clinician_on_duty", "unit_head", "kc_head", "coordinator", "referrer"]


class _Notifications(Event[P]):
    TOPIC: ClassVar[str] = DELIVERIES_TOPIC
    PRODUCER: ClassVar[str] = "notifications"
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


class NotificationSent(_Notifications[NotificationPayload]):
    """A message reached its channel for a recipient."""
    event_type: Literal["NotificationSent"] = F("Event name.", "NotificationSent")
    payload: NotificationPayload = F("The delivery.")


class NotificationFailed(_Notifications[NotificationPayload]):
    """A message could not be delivered after retries; staff were alerted."""
    event_type: Literal["NotificationFailed"] = F("Event name.", "NotificationFailed")
    payload: NotificationPayload = F("The failure.")


EVENTS: list[type[Event]] = [NotificationSent, NotificationFailed]
