"""The notification policy (reminders, quiet hours, channel fallback, stream visibility) as its data file states it.

The roles the stream may name are the product's roles; the loader (rules.py) hands them over as the
validation context `{"roles": ...}` (without it every role is unknown and the file is refused), so this
module needs nothing of the HTTP side that defines them.
"""
from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

FamilyChannel = Literal["sms", "email", "digital_letter"]
STREAM_KINDS = ("CaseOpened", "AppointmentBooked", "AppointmentCancelled", "GroupSeatBooked", "NoBookableSlots",
                "RiskEscalated", "DeviationTagged", "GuaranteeAtRisk", "NotificationSent", "NotificationFailed")


class QuietHours(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: time
    end: time
    # defaults for policy files written before these rules existed; the shipped file states them
    visit_margin_minutes: int = Field(120, ge=0, le=24 * 60)
    silent_channels: tuple[Literal["email", "digital_letter"], ...] = Field(("digital_letter", "email"), min_length=1)
    early_sms_at: time = time(7, 0)


class StreamKind(BaseModel):
    model_config = ConfigDict(frozen=True)
    roles: tuple[str, ...]
    restricted_roles: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_roles(self, info: ValidationInfo) -> StreamKind:
        known = set((info.context or {}).get("roles", ()))
        unknown = (set(self.roles) | set(self.restricted_roles)) - known
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")
        if not set(self.restricted_roles) <= set(self.roles):
            raise ValueError("restricted_roles must be a subset of roles")
        return self


class StreamPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit_scoped_roles: tuple[str, ...]
    kinds: dict[str, StreamKind]

    @model_validator(mode="after")
    def _every_kind(self) -> StreamPolicy:
        missing = set(STREAM_KINDS) - set(self.kinds)
        if missing:  # an event kind without a rule would be streamed to nobody, silently
            raise ValueError(f"stream.kinds lacks {sorted(missing)}")
        return self


class NotificationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    reminder_hours_before: int = Field(ge=1, le=24 * 14)
    reminder_evening_at: time = time(18, 0)
    reminder_min_gap_hours: int = Field(6, ge=0, le=72)
    quiet_hours: QuietHours
    channel_order: tuple[FamilyChannel, ...]
    stream: StreamPolicy

    @model_validator(mode="after")
    def _all_channels(self) -> NotificationPolicy:
        if sorted(self.channel_order) != sorted(("sms", "email", "digital_letter")):
            raise ValueError("channel_order must list sms, email and digital_letter once each")
        return self
