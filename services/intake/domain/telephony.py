"""Calls from the call platform: each step is a fact with the platform's own time, in whatever order it comes."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from contracts.common import Channel, Source
from contracts.envelope import Event
from contracts.intake import (
    CallAbandoned,
    CallAnswered,
    CallbackMade,
    CallbackScheduled,
    CallOffered,
    CallPayload,
    CallQueued,
    Line,
    QueueFull,
)
from services.intake.domain.problems import Invalid, problem

Step = Literal["CallOffered", "CallQueued", "CallAnswered", "CallAbandoned", "QueueFull", "CallbackScheduled",
               "CallbackMade"]
STEP_EVENTS: dict[str, type[Event]] = {c.__name__: c for c in (
    CallOffered, CallQueued, CallAnswered, CallAbandoned, QueueFull, CallbackScheduled, CallbackMade)}
REACHED = {"CallAnswered", "CallbackMade"}  # steps where a professional spoke with the caller
CLOCK_SKEW = timedelta(minutes=5)  # the platform's clock may run a little ahead of ours


def step_event(step: str, call_id: str, line: Line, at: datetime, now: datetime) -> Event:
    """The telephony event for one step; a time in the future is refused (the platform reports the past)."""
    if at > now + CLOCK_SKEW:
        raise Invalid([problem("at", "Tidpunkten ligger i framtiden.", "The time is in the future.", "future")])
    return STEP_EVENTS[step].new(occurred_at=at, recorded_at=now,
                                 payload=CallPayload(call_id=call_id, line=line, at=at))


def call_started(steps: list[tuple[str, datetime]]) -> datetime | None:
    """The contact time of a call: its earliest known step, whatever order the steps arrived in."""
    return min((at for _, at in steps), default=None)


def call_reached(steps: list[tuple[str, datetime]]) -> bool:
    return any(step in REACHED for step, _ in steps)


def channel_of_line(line: Line) -> tuple[Channel, Source | None]:
    """1177 option 2 is the public line; the partners' numbers make partner contacts."""
    if line == "public_1177":
        return "phone", None
    return "partner", "partner_external" if line == "partner_external" else "partner_internal"
