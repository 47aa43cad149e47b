"""Calls from the call platform: each step is a fact with the platform's own time, in whatever order it comes."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from contracts.common import Channel, Source
from contracts.envelope import Event
from contracts.intake import (
    CallAbandoned,
    CallAnswered,
    CallbackMade,
    CallbackScheduled,
    CallEnded,
    CallOffered,
    CallPayload,
    CallQueued,
    Line,
    QueueFull,
)
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.cases import PARTNER_SOURCES

Step = Literal["CallOffered", "CallQueued", "CallAnswered", "CallAbandoned", "QueueFull", "CallbackScheduled",
               "CallbackMade", "CallEnded"]
STEP_EVENTS: dict[str, type[Event[CallPayload]]] = {c.__name__: c for c in (
    CallOffered, CallQueued, CallAnswered, CallAbandoned, QueueFull, CallbackScheduled, CallbackMade, CallEnded)}
REACHED = {"CallAnswered", "CallbackMade"}  # steps where a professional spoke with the caller
CLOCK_SKEW = timedelta(minutes=5)  # the platform's clock may run a little ahead of ours


def step_event(step: Step, call_id: str, line: Line, at: datetime, now: datetime) -> Event[CallPayload]:
    """The telephony event for one step; a time in the future is refused (the platform reports the past)."""
    if at > now + CLOCK_SKEW:
        raise Refused(Refusal("at", "future", "Tidpunkten ligger i framtiden.", "The time is in the future."))
    return STEP_EVENTS[step].new(occurred_at=at, recorded_at=now,
                                 payload=CallPayload(call_id=call_id, line=line, at=at))


def call_started(steps: Sequence[tuple[str, datetime]]) -> datetime | None:
    """The contact time of a call: its earliest known step, whatever order the steps arrived in."""
    return min((at for _, at in steps), default=None)


def call_reached(steps: Sequence[tuple[str, datetime]]) -> bool:
    return any(step in REACHED for step, _ in steps)


def channel_of_line(line: Line) -> tuple[Channel, Source | None]:
    """1177 option 2 is the public line; the partners' numbers make partner contacts."""
    if line == "public_1177":
        return "phone", None
    return "partner", "partner_external" if line == "partner_external" else "partner_internal"


PHONE_SOURCES: tuple[Source, ...] = ("guardian", "young_person", "other")


def call_source(channel: Channel, source: Source) -> Source:
    """Who called must fit the line: a partner on the partners' number, a family or young person on 1177."""
    if channel == "partner" and source not in PARTNER_SOURCES:
        raise Refused(Refusal("source", "source_for_line",
                              f"Samtal på partnernumret: ange en av {', '.join(PARTNER_SOURCES)}.",
                              f"A call on the partners' number: give one of {', '.join(PARTNER_SOURCES)}."))
    if channel == "phone" and source not in PHONE_SOURCES:
        raise Refused(Refusal("source", "source_for_line",
                              "Samtal på 1177: vårdnadshavare, den unge själv eller annan.",
                              "A call on 1177: guardian, young person or other."))
    return source
