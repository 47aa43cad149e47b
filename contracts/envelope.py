"""The common envelope every event travels in, and helpers to declare payload fields."""
from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, Self, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from typing_extensions import TypeVar

Producer = Literal["intake", "triage", "booking", "notifications", "kpi"]

CASE_ID_PATTERN = r"^C-[0-9A-Z]{12}$"
PATIENT_REF_PATTERN = r"^P-[0-9A-Z]{20}$"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


_NO_EXAMPLE = object()


def F(description: str, example: Any = _NO_EXAMPLE, **kwargs: Any) -> Any:
    """A field that documents itself in JSON Schema and AsyncAPI (nested models carry their own examples)."""
    if example is not _NO_EXAMPLE:
        kwargs["examples"] = [example]
    return Field(description=description, **kwargs)


def new_case_id() -> str:
    """A fresh pseudonymous case id: random, so it reveals nothing about the child."""
    return "C-" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


class Payload(BaseModel):
    """Base for event payloads: immutable, unknown fields from newer producers ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


P = TypeVar("P", bound=Payload, default=Payload, covariant=True)  # a bare `Event` is any event: its payload a Payload


class Event(BaseModel, Generic[P]):
    """Envelope: identity, time, causality and the case key around one payload (`Event[P]`: its payload's type)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    SCHEMA_VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = ""
    PRODUCER: ClassVar[str] = ""
    KEY_FIELD: ClassVar[str] = "case_id"

    event_id: uuid.UUID = F("Unique id of this event; consumers de-duplicate on it.", "0b7c1c9e-58a4-4a7e-9d67-3f0f2f0c7a11")
    event_type: str = F("The event's name, a past-tense fact.", "ReferralReceived")
    schema_version: int = F("Version of this event type's schema; older versions are upcast on read.", 1, ge=1)
    occurred_at: AwareDatetime = F("When it happened in the world (e.g. the date written on a referral).", "2022-11-14T09:30:00+01:00")
    recorded_at: AwareDatetime = F("When the producing service recorded it.", "2022-11-17T10:02:11+01:00")
    case_id: str | None = F(
        "Pseudonymous case id shared by every event about one child's contact; the Kafka key. "
        "Null only for telephony events of calls not (yet) tied to a case, which are keyed by call id.",
        "C-7K3M9Q2XH4TB",
        pattern=CASE_ID_PATTERN,
    )
    correlation_id: uuid.UUID = F("Id shared by every event of one journey or request.", "5f1d7a8e-2c4b-4e0d-9a3f-1b2c3d4e5f60")
    causation_id: uuid.UUID | None = F("The event_id of the event that caused this one, if any.", None)
    producer: Producer = F("The service that published this event (the topic's single owner).", "intake")
    payload: P = F("What happened: the event type's own fields.")

    @classmethod
    def new(
            cls, *, payload: P,  # type: ignore[misc]  # P is covariant, yet new() only builds a frozen event: safe
            occurred_at: datetime, recorded_at: datetime | None = None,
            case_id: str | None = None, caused_by: Event[Any] | None = None,
            correlation_id: uuid.UUID | None = None) -> Self:
        """Build an event of this type; causality is inherited from `caused_by` when given."""
        if correlation_id is None:
            correlation_id = caused_by.correlation_id if caused_by else uuid.uuid4()
        return cls(
            event_id=uuid.uuid4(),
            event_type=cls.__name__,
            schema_version=cls.SCHEMA_VERSION,
            occurred_at=occurred_at,
            recorded_at=recorded_at or datetime.now(UTC),
            case_id=case_id if case_id is not None else (caused_by.case_id if caused_by else None),
            correlation_id=correlation_id,
            causation_id=caused_by.event_id if caused_by else None,
            producer=cast(Producer, cls.PRODUCER),
            payload=payload,
        )

    @property
    def key(self) -> str:
        """The Kafka message key: the case id, or for case-less telephony the call id."""
        if self.case_id:
            return self.case_id
        return str(getattr(self.payload, self.KEY_FIELD))
