"""The inbox: a consumer group applies an event once, its changes and the inbox row in one transaction."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from contracts.envelope import Event
from services.chassis.db import Database
from services.chassis.dispatch import ConsumerGroup, Handler
from services.chassis.records import Located
from services.chassis.tables import INBOX_TABLE, InboxRow
from services.chassis.tracing import consume_span


def inbox_values(group: str, event: Event, record: Located, now: datetime) -> dict[str, Any]:
    return {"consumer": group, "event_id": str(event.event_id), "topic": record.topic,
            "partition": record.partition, "offset": record.offset, "applied_at": now}


class Inbox:
    """Applies events in units of work that also write their inbox rows; a repeat finds its row and is a no-op."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # test-only fault injection: called after a handler's transaction committed, before the offset is
        self.after_commit: Callable[[Event], None] | None = None

    def apply(self, group: str, handler: Handler, event: Event, record: Located) -> bool:
        """Apply one event in one transaction with its inbox row. False if already applied."""
        with self.db.uow() as uow:
            if uow.session.get(InboxRow, (group, str(event.event_id))) is not None:
                return False
            uow.session.add(InboxRow(**inbox_values(group, event, record, datetime.now(UTC))))
            with consume_span(group, record):
                handler(event, uow)
            try:
                uow.commit()
            except IntegrityError:
                # a second instance applied it between our check and commit
                return False
        if self.after_commit is not None:
            self.after_commit(event)
        return True

    def apply_batch(self, group: ConsumerGroup, items: Sequence[tuple[Event, Located]]) -> int:
        """Apply a fetched batch in ONE transaction with the inbox rows of its new events; returns how many
        were new. Events already in the inbox, or twice in the batch, are left out. Raises if any handler
        does (nothing of the batch is kept then)."""
        with self.db.uow() as uow:
            ids = list(dict.fromkeys(str(event.event_id) for event, _ in items))
            seen = set(uow.session.exec(select(InboxRow.event_id).where(
                col(InboxRow.consumer) == group.name, col(InboxRow.event_id).in_(ids))).all())
            fresh: list[tuple[Event, Located]] = []
            inbox: list[dict[str, Any]] = []
            now = datetime.now(UTC)
            for event, record in items:
                event_id = str(event.event_id)
                if event_id in seen:
                    continue
                seen.add(event_id)
                inbox.append(inbox_values(group.name, event, record, now))
                fresh.append((event, record))
            if fresh:
                # one multi-row INSERT in the handlers' transaction (ORM objects per row cost more than the fold)
                uow.session.exec(insert(INBOX_TABLE), params=inbox)
                group.apply_all(fresh, uow)
                uow.commit()
        if self.after_commit is not None:
            for event, _ in fresh:
                self.after_commit(event)
        return len(fresh)
