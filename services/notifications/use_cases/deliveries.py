"""The delivery ledger's changes: messages planned once, claimed by one sender, sent, retried, failed, resent.

Order of work for one message: the intent (a `pending` row) is committed with the event that caused it;
a sender claims it (`sending`, with a lease), sends it, and marks it `sent` together with the
NotificationSent event. Each change here runs in the caller's unit of work.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from contracts.notifications import NotificationFailed, NotificationPayload, NotificationSent
from services.chassis.audit import AuditTrail
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.notifications import store
from services.notifications.domain.directory import StaffDirectory
from services.notifications.domain.planning import Planned, notification_id, plan_failure_alert
from services.notifications.domain.resend import check_resendable, resend_id
from services.notifications.store import Delivery


def plan(session: Session, plans: list[Planned], *, case_id: str | None, trigger_event_id: str,
         trigger_type: str, now: datetime, id_source: str | None = None) -> list[Delivery]:
    """Record the intent to send each planned message once; an already planned one is left as it is.

    `id_source` replaces the trigger event id in the notification id when one event yields several
    messages of the same template to the same recipient (alerts about different failed messages).
    """
    added = []
    for p in plans:
        nid = notification_id(id_source or trigger_event_id, p.recipient_ref, p.template)
        if store.is_planned(session, nid):
            continue
        row = Delivery(notification_id=nid, case_id=case_id, trigger_event_id=trigger_event_id,
                       trigger_type=trigger_type, template=p.template, recipient_kind=p.recipient_kind,
                       recipient_ref=p.recipient_ref, urgent=p.urgent, silent=p.silent, context=p.context,
                       due_at=p.due_at, created_at=now)
        session.add(row)
        added.append(row)
    session.flush()  # the unique notification_id fails here, inside the caller's retry, not at commit
    return added


def claim(uow: UnitOfWork, delivery_id: int, now: datetime, lease_s: float) -> Delivery | None:
    """The row, now held by this sender for `lease_s`; None when it is not due or another sender holds it."""
    if not store.claim(uow.session, delivery_id, now, now + timedelta(seconds=lease_s)):
        return None
    return uow.session.get(Delivery, delivery_id)


def release(uow: UnitOfWork, row: Delivery, due: datetime, error: str | None, step: int, attempts: int) -> None:
    """Back to `pending`, due at `due` on channel step `step` (a retry, a fallback, or held to the morning)."""
    store.finish_sending(uow.session, row.id, status="pending", due_at=due, lease_until=None, last_error=error,
                         channel=row.channel, channel_step=step, attempts=attempts)


def defer_urgent(uow: UnitOfWork, row: Delivery, due: datetime) -> None:
    """A silent message with no silent channel: at `due`, on any channel, urgent from then on (not an attempt)."""
    store.finish_sending(uow.session, row.id, status="pending", due_at=due, lease_until=None, silent=False,
                         urgent=True, attempts=row.attempts - 1)


def mark_sent(uow: UnitOfWork, row: Delivery, now: datetime) -> bool:
    """`sent`, with NotificationSent; False when another sender finished it after our lease ran out."""
    if not store.finish_sending(uow.session, row.id, status="sent", sent_at=now, channel=row.channel,
                                lease_until=None):
        return False
    uow.publish(NotificationSent.new(case_id=case_of(row), occurred_at=now, recorded_at=now,
                                     payload=_payload(row, now, None)))
    _stream(uow, "NotificationSent", row, now, None)
    return True


def mark_failed(uow: UnitOfWork, row: Delivery, error: str, now: datetime, directory: StaffDirectory) -> bool:
    """`failed`, with NotificationFailed and an alert to staff; False when another sender finished it."""
    if not store.finish_sending(uow.session, row.id, status="failed", last_error=error[:300], lease_until=None,
                                channel=row.channel):
        return False
    uow.publish(NotificationFailed.new(case_id=case_of(row), occurred_at=now, recorded_at=now,
                                       payload=_payload(row, now, error)))
    _stream(uow, "NotificationFailed", row, now, error)
    alerts = plan_failure_alert(row.case_id, row.template, row.recipient_kind, error, now, directory)
    plan(uow.session, alerts, case_id=row.case_id, trigger_event_id=row.trigger_event_id,
         trigger_type="NotificationFailed", now=now, id_source=row.notification_id)
    return True


def resend(uow: UnitOfWork, nid: str, reason: str, staff: Staff, audit: AuditTrail, now: datetime) -> Delivery | None:
    """A sent (or failed) family message planned again now, audited in the same transaction; None if unknown."""
    s = uow.session
    row = store.delivery(s, nid)
    if row is None:
        return None
    check_resendable(row.recipient_kind, row.status)
    copy = Delivery(notification_id=resend_id(nid, store.resends_of(s, nid), row.template), case_id=row.case_id,
                    trigger_event_id=row.trigger_event_id, trigger_type="Resend", template=row.template,
                    recipient_kind=row.recipient_kind, recipient_ref=row.recipient_ref, context=row.context,
                    due_at=now, created_at=now, resend_of=nid, requested_by=staff.subject)
    s.add(copy)
    audit.within(s, staff, "resend-notification", case_id=row.case_id, detail=f"{nid}: {reason}"[:400])
    return copy


def case_of(row: Delivery) -> str | None:
    """The case a delivery is about; None for a message to a caller about a call-back (keyed by its id)."""
    return None if is_callback(row.case_id) else row.case_id


def is_callback(ref: str | None) -> bool:
    return bool(ref and ref.startswith("CB-"))


def _payload(row: Delivery, now: datetime, error: str | None) -> NotificationPayload:
    return NotificationPayload(notification_id=row.notification_id, template=row.template, channel=row.channel,
                               recipient_kind=row.recipient_kind, trigger_event_id=row.trigger_event_id, at=now,
                               attempts=row.attempts, error=error,
                               callback_id=row.case_id if is_callback(row.case_id) else None)


def _stream(uow: UnitOfWork, kind: str, row: Delivery, now: datetime, error: str | None) -> None:
    data: dict[str, Any] = {"notification_id": row.notification_id, "template": row.template,
                            "channel": row.channel, "recipient_kind": row.recipient_kind, "error": error}
    store.add_stream_event(uow.session, source_key=f"{kind}:{row.notification_id}", kind=kind, at=now,
                           case_id=case_of(row), units=[], data=data)
