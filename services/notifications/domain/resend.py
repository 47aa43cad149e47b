"""Which messages staff may send again, and the new message's id."""
from __future__ import annotations

from services.chassis.refusal import Refusal, Refused
from services.notifications.domain.planning import FAMILY, notification_id


def check_resendable(recipient_kind: str, status: str) -> None:
    """Only a family message that has gone (or failed for good) is sent again; a pending one is on its way."""
    if recipient_kind != FAMILY:
        raise Refused(Refusal("notification_id", "not_family", "Bara meddelanden till familjer kan skickas om.",
                              "Only messages to families can be resent."))
    if status not in ("sent", "failed"):
        raise Refused(Refusal("notification_id", "not_done", "Meddelandet är inte skickat än; det går redan iväg.",
                              "The message has not gone yet; it is already on its way."))


def resend_id(original: str, earlier_resends: int, template: str) -> str:
    """The n-th resend of a message has its own id: asking again is a new message, not a duplicate."""
    return notification_id(f"{original}|resend|{earlier_resends + 1}", FAMILY, template)
