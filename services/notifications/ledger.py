"""Writing to the delivery ledger and the stream inside a unit of work: planned messages, sent, failed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from contracts.notifications import NotificationFailed, NotificationPayload, NotificationSent
from services.chassis.db import UnitOfWork
from services.notifications.domain.planning import Planned, notification_id
from services.notifications.store import Delivery, add_stream_event


def add_deliveries(session: Session, plans: list[Planned], *, case_id: str | None, trigger_event_id: str,
                   trigger_type: str, now: datetime, id_source: str | None = None) -> list[Delivery]:
    """Record the intent to send each planned message once; an already planned one is left as it is.

    `id_source` replaces the trigger event id in the notification id when one event yields several
    messages of the same template to the same recipient (alerts about different failed messages).
    """
    added = []
    for p in plans:
        nid = notification_id(id_source or trigger_event_id, p.recipient_ref, p.template)
        if session.exec(select(Delivery.id).where(Delivery.notification_id == nid)).first() is not None:
            continue
        row = Delivery(notification_id=nid, case_id=case_id, trigger_event_id=trigger_event_id,
                       trigger_type=trigger_type, template=p.template, recipient_kind=p.recipient_kind,
                       recipient_ref=p.recipient_ref, urgent=p.urgent, silent=p.silent, context=p.context,
                       due_at=p.due_at,
                       created_at=now)
        session.add(row)
        added.append(row)
    session.flush()  # the unique notification_id fails here, inside the caller's retry, not at commit
    return added


def _payload(row: Delivery, now: datetime, error: str | None) -> NotificationPayload:
    return NotificationPayload(notification_id=row.notification_id, template=row.template, channel=row.channel,
                               recipient_kind=row.recipient_kind, trigger_event_id=row.trigger_event_id, at=now,
                               attempts=row.attempts, error=error)


def _stream(uow: UnitOfWork, kind: str, row: Delivery, now: datetime, error: str | None) -> None:
    data: dict[str, Any] = {"notification_id": row.notification_id, "template": row.template,
                            "channel": row.channel, "recipient_kind": row.recipient_kind, "error": error}
    add_stream_event(uow.session, source_key=f"{kind}:{row.notification_id}", kind=kind, at=now, case_id=row.case_id,
                     units=[], data=data)


def record_sent(uow: UnitOfWork, row: Delivery, now: datetime) -> None:
    uow.publish(NotificationSent.new(case_id=row.case_id, occurred_at=now, recorded_at=now,
                                     payload=_payload(row, now, None)))
    _stream(uow, "NotificationSent", row, now, None)


def record_failed(uow: UnitOfWork, row: Delivery, now: datetime, error: str) -> None:
    uow.publish(NotificationFailed.new(case_id=row.case_id, occurred_at=now, recorded_at=now,
                                       payload=_payload(row, now, error)))
    _stream(uow, "NotificationFailed", row, now, error)
