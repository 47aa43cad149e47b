"""Tables of the notifications service: sealed contacts, appointments, deliveries (the exactly-once ledger), the stream."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, MetaData, Text, update
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, select


class NotificationsBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the notifications tables: a metadata of their own, so each database holds only its own tables."""


metadata = NotificationsBase.metadata


class FamilyContact(NotificationsBase, table=True):
    """The family's contact details as they came: sealed. Opened only in memory, at the moment of sending."""

    __tablename__ = "family_contacts"
    case_id: str = Field(primary_key=True, max_length=40)
    patient_ref: str = Field(max_length=40, index=True)
    sealed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # SealedContact JSON or None
    updated_at: datetime


class Appointment(NotificationsBase, table=True):
    """What a cancellation message needs to say (unit, time) and which reminder to call off."""

    __tablename__ = "appointments"
    appointment_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(max_length=40, index=True)
    booked_event_id: str = Field(max_length=36)
    context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    replaced_by: str | None = Field(default=None, max_length=40)
    cancelled: bool = False


class Delivery(NotificationsBase, table=True):
    """One message to one recipient for one event. The row is the intent, written before any send.

    `notification_id` is unique per (trigger event, recipient, template), so a redelivered event or a
    second instance cannot plan the message twice; the claim (status + lease) lets only one sender at a
    time hold it, and the channel's idempotency key makes a re-send after a crash a no-op at the gateway.
    """

    __tablename__ = "deliveries"
    id: int | None = Field(default=None, primary_key=True)
    notification_id: str = Field(max_length=40, unique=True)
    case_id: str | None = Field(default=None, max_length=40, index=True)
    trigger_event_id: str = Field(max_length=36)
    trigger_type: str = Field(max_length=40)
    template: str = Field(max_length=60)
    recipient_kind: str = Field(max_length=30)
    recipient_ref: str = Field(max_length=60)
    urgent: bool = False
    silent: bool = False  # about a visit before the quiet hours end: goes at once, on a channel that wakes nobody
    context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)  # pending|sending|sent|failed|cancelled
    due_at: datetime = Field(index=True)
    lease_until: datetime | None = None
    channel: str | None = Field(default=None, max_length=20)
    channel_step: int = 0
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime
    sent_at: datetime | None = None
    resend_of: str | None = Field(default=None, max_length=40)
    requested_by: str | None = Field(default=None, max_length=80)


class StreamEvent(NotificationsBase, table=True):
    """A case event for staff apps' Server-Sent Events, in one gap-free sequence (the SSE id)."""

    __tablename__ = "stream_events"
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source_key: str = Field(max_length=80, unique=True)  # event id (+ kind): a replayed event is not streamed twice
    case_id: str | None = Field(default=None, max_length=40, index=True)
    units: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # units it concerns
    kind: str = Field(max_length=40)
    at: datetime
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    restricted: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StreamCounter(NotificationsBase, table=True):
    """The last stream sequence number handed out.

    Taking the next number updates this one row, which holds its lock until commit: writers of stream
    events commit in sequence order, so a reader never sees seq 12 before seq 11 exists (no gaps on resume).
    """

    __tablename__ = "stream_counter"
    name: str = Field(primary_key=True, max_length=20)
    value: int = 0


def next_seq(session: Session) -> int:
    res = session.execute(update(StreamCounter).where(StreamCounter.name == "stream")  # type: ignore[arg-type]
                          .values(value=StreamCounter.value + 1).returning(StreamCounter.value))
    value = res.scalar_one_or_none()
    if value is None:  # first event ever; a racing first insert fails on the key and the consumer retries
        session.add(StreamCounter(name="stream", value=1))
        session.flush()
        return 1
    return int(value)


def add_stream_event(session: Session, *, source_key: str, kind: str, at: datetime, case_id: str | None,
                     units: list[str], data: dict[str, Any], restricted: dict[str, Any] | None = None) -> None:
    if session.exec(select(StreamEvent.seq).where(StreamEvent.source_key == source_key)).first() is not None:
        return
    session.add(StreamEvent(seq=next_seq(session), source_key=source_key, case_id=case_id, units=units, kind=kind,
                            at=at, data=data, restricted=restricted or {}))
