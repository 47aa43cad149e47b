"""The call-back policy's shape (services/intake/data/callback_policy.yaml) and its own checks."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.chassis.clock import STOCKHOLM

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WaitRules(BaseModel):
    """How the estimated wait is computed and when a call-back is offered instead of waiting."""

    model_config = ConfigDict(frozen=True)
    default_handle_seconds: int = Field(ge=30, le=7200)
    min_samples: int = Field(ge=1)
    sample_hours: int = Field(ge=1, le=24)
    queue_seen_hours: int = Field(ge=1, le=24)
    offer_callback_above_seconds: int = Field(ge=0)
    queue_capacity: int = Field(ge=1)


class CallbackPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    opening_hours: dict[Weekday, tuple[time, time] | None]
    closed_dates: tuple[date, ...] = ()
    window_minutes: int = Field(ge=15, le=240)
    cap_per_window: int = Field(ge=1)
    lead_minutes: int = Field(ge=0, le=240)
    same_day_cutoff: time
    retry_after_minutes: tuple[int, ...] = Field(min_length=0, max_length=5)
    take_expires_minutes: int = Field(ge=1, le=240)
    wait: WaitRules

    @model_validator(mode="after")
    def _consistent(self) -> CallbackPolicy:
        for day, hours in self.opening_hours.items():
            if hours is not None and not hours[0] < hours[1]:
                raise ValueError(f"opening_hours.{day}: the phone must open before it closes")
        if not any(self.opening_hours.get(d) for d in WEEKDAYS):
            raise ValueError("opening_hours: no day is open")
        if any(m <= 0 for m in self.retry_after_minutes):
            raise ValueError("retry_after_minutes must be positive")
        return self

    @property
    def tries(self) -> int:
        """The first try and one per retry interval."""
        return 1 + len(self.retry_after_minutes)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    def hours_on(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing on `day` (aware, Stockholm), or None when the phone is closed that day."""
        hours = self.opening_hours.get(WEEKDAYS[day.weekday()])
        if hours is None or day in self.closed_dates:
            return None
        return (datetime.combine(day, hours[0], tzinfo=STOCKHOLM), datetime.combine(day, hours[1], tzinfo=STOCKHOLM))
