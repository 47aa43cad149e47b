"""Tables of the notifications service (sealed contacts, referrers and the steps they hear of, appointments, the
delivery ledger, the stream) and the named queries over them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, MetaData, String, Text, and_, func, or_, update
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, col, select

from contracts.notifications import DeliveryChannel, RecipientKind, WaitKind
from services.notifications.domain.referrer_status import Step


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
    language: str | None = Field(default=None, max_length=3)  # the family's (ISO 639): messages in it where written


class ReferrerRow(NotificationsBase, table=True):
    """A referrer of a case (the first referral's and any linked one's): where status updates go. The reply
    details (a school sender's e-mail, a paper referrer's address) stay sealed, opened only to send."""

    __tablename__ = "referrers"
    referrer_id: str = Field(primary_key=True, max_length=20)
    case_id: str = Field(max_length=40, index=True)
    kind: str = Field(max_length=12)
    organisation_ref: str | None = Field(default=None, max_length=120)
    service_request_ref: str | None = Field(default=None, max_length=120)
    reply_to: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # SealedContact JSON
    received_at: datetime


class StatusRow(NotificationsBase, table=True):
    """A step of a case as the referrers hear it, kept so a referrer known later still hears what happened."""

    __tablename__ = "referral_statuses"
    case_id: str = Field(primary_key=True, max_length=40)
    status_key: str = Field(primary_key=True, max_length=60)
    step: Step = Field(sa_column=Column(String(12), nullable=False))
    at: datetime
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CheckinRow(NotificationsBase, table=True):
    """A check-in with a waiting family: its link (by the token's hash only), when it expires, and the answers
    (the family's own words sealed under the child's key)."""

    __tablename__ = "checkins"
    notification_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(max_length=40, index=True)
    wait: WaitKind = Field(sa_column=Column(String(12), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    due_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    worry: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # SealedContact JSON


class Appointment(NotificationsBase, table=True):
    """What a cancellation message needs to say (unit, time) and which reminder to call off."""

    __tablename__ = "appointments"
    appointment_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(max_length=40, index=True)
    booked_event_id: str = Field(max_length=36)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
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
    recipient_kind: RecipientKind = Field(sa_column=Column(String(30), nullable=False))
    recipient_ref: str = Field(max_length=60)
    urgent: bool = False
    silent: bool = False  # about a visit before the quiet hours end: goes at once, on a channel that wakes nobody
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)  # pending|sending|sent|failed|cancelled
    due_at: datetime = Field(index=True)
    lease_until: datetime | None = None
    channel: DeliveryChannel | None = Field(default=None, sa_column=Column(String(20), nullable=True))
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
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # units it concerns
    kind: str = Field(max_length=40)
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    restricted: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StreamCounter(NotificationsBase, table=True):
    """The last stream sequence number handed out.

    Taking the next number updates this one row, which holds its lock until commit: writers of stream
    events commit in sequence order, so a reader never sees seq 12 before seq 11 exists (no gaps on resume).
    """

    __tablename__ = "stream_counter"
    name: str = Field(primary_key=True, max_length=20)
    value: int = 0


# -- the stream ----------------------------------------------------------------------------------------------

def next_seq(session: Session) -> int:
    res = session.exec(update(StreamCounter).where(col(StreamCounter.name) == "stream")
                          .values(value=col(StreamCounter.value) + 1).returning(col(StreamCounter.value)))
    value = res.scalar_one_or_none()
    if value is None:  # first event ever; a racing first insert fails on the key and the consumer retries
        session.add(StreamCounter(name="stream", value=1))
        session.flush()
        return 1
    return int(value)


def add_stream_event(session: Session, *, source_key: str, kind: str, at: datetime, case_id: str | None,
                     units: list[str], data: dict[str, Any], restricted: dict[str, Any] | None = None) -> None:
    if session.exec(select(StreamEvent.seq).where(col(StreamEvent.source_key) == source_key)).first() is not None:
        return
    session.add(StreamEvent(seq=next_seq(session), source_key=source_key, case_id=case_id, units=units, kind=kind,
                            at=at, data=data, restricted=restricted or {}))


def stream_after(session: Session, after: int, limit: int = 200) -> list[StreamEvent]:
    return list(session.exec(select(StreamEvent).where(col(StreamEvent.seq) > after)
                             .order_by(col(StreamEvent.seq)).limit(limit)).all())


def units_of_case(session: Session, case_id: str | None) -> set[str]:
    """The units a case concerns, as its streamed events named them (booked, cancelled, seated, at risk ...)."""
    if case_id is None:
        return set()
    rows = session.exec(select(StreamEvent.units).where(col(StreamEvent.case_id) == case_id)).all()
    return {u for units in rows for u in units}


def stream_head(session: Session) -> int:
    """The latest sequence number (0 before the first event)."""
    return int(session.exec(select(func.max(col(StreamEvent.seq)))).one() or 0)


# -- contacts and appointments -------------------------------------------------------------------------------

def patient_ref(session: Session, case_id: str | None) -> str | None:
    """The child's pseudonymous ref of a case, for the audit trail."""
    contact = session.get(FamilyContact, case_id) if case_id else None
    return contact.patient_ref if contact else None


def checkin_by_token(session: Session, token_hash: str) -> CheckinRow | None:
    return session.exec(select(CheckinRow).where(col(CheckinRow.token_hash) == token_hash)).first()


def checkins_of(session: Session, case_id: str) -> list[CheckinRow]:
    return list(session.exec(select(CheckinRow).where(col(CheckinRow.case_id) == case_id)
                             .order_by(col(CheckinRow.due_at))).all())


def pending_of_case(session: Session, case_id: str, template: str) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(col(Delivery.case_id) == case_id, col(Delivery.template) == template,
                                                    col(Delivery.status) == "pending")).all())


def referrers_of(session: Session, case_id: str) -> list[ReferrerRow]:
    return list(session.exec(select(ReferrerRow).where(col(ReferrerRow.case_id) == case_id)).all())


def statuses_of(session: Session, case_id: str) -> list[StatusRow]:
    return list(session.exec(select(StatusRow).where(col(StatusRow.case_id) == case_id)
                             .order_by(col(StatusRow.at))).all())


# -- the ledger ----------------------------------------------------------------------------------------------

def deliveries_of_case(session: Session, case_id: str) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(col(Delivery.case_id) == case_id).order_by(col(Delivery.id))).all())


def delivery(session: Session, notification_id: str) -> Delivery | None:
    return session.exec(select(Delivery).where(col(Delivery.notification_id) == notification_id)).first()


def is_planned(session: Session, notification_id: str) -> bool:
    return session.exec(select(Delivery.id).where(col(Delivery.notification_id) == notification_id)).first() is not None


def resends_of(session: Session, notification_id: str) -> int:
    return session.exec(select(func.count()).select_from(Delivery)
                        .where(col(Delivery.resend_of) == notification_id)).one()


def pending_of_trigger(session: Session, trigger_event_id: str) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(col(Delivery.trigger_event_id) == trigger_event_id,
                                                    col(Delivery.status) == "pending")).all())


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due and pending, or held by a sender whose lease ran out."""
    return or_(and_(col(Delivery.status) == "pending", col(Delivery.due_at) <= now),
               and_(col(Delivery.status) == "sending", col(Delivery.lease_until) < now))


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    ids = session.exec(select(Delivery.id).where(_claimable(now))
                      .order_by(col(Delivery.due_at), col(Delivery.id)).limit(limit)).all()
    return [i for i in ids if i is not None]


def claim(session: Session, delivery_id: int, now: datetime, lease_until: datetime) -> bool:
    """Compare-and-set: only one sender (instance or task) can move a row into `sending`."""
    res = session.exec(update(Delivery).where(col(Delivery.id) == delivery_id, _claimable(now))
                       .values(status="sending", lease_until=lease_until, attempts=col(Delivery.attempts) + 1))
    return res.rowcount == 1


def finish_sending(session: Session, delivery_id: int | None, **values: Any) -> bool:
    """Set `values` on a row this sender still holds (`sending`); False when another sender took it over."""
    res = session.exec(update(Delivery).where(col(Delivery.id) == delivery_id, col(Delivery.status) == "sending")
                       .values(**values))
    return res.rowcount == 1
