"""Check-ins with waiting families (pure): when each goes (the versioned policy), the personal link's token, and
what the answers mean for staff. Nothing is decided from an answer: it is told to staff."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

from contracts.notifications import WaitKind
from services.chassis.clock import STOCKHOLM
from services.notifications.domain.planning import FAMILY, Planned
from services.notifications.domain.timing import next_allowed

TEMPLATE = "check_in"


class WaitingListRule(BaseModel):
    model_config = ConfigDict(frozen=True)
    first_after_days: int = Field(ge=1, le=90)
    every_days: int = Field(ge=1, le=90)
    at_most: int = Field(ge=1, le=24)


class BupRule(BaseModel):
    model_config = ConfigDict(frozen=True)
    at_day: int = Field(ge=1, le=90)
    before_day: int = Field(ge=1, le=180)


class CheckinPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    waiting_list: WaitingListRule
    bup: BupRule
    send_at: time
    link_valid_hours: int = Field(ge=1, le=24 * 14)
    late_after_hours: int = Field(ge=1, le=24 * 14)


def _on_day(start: datetime, days: int, at: time, quiet: tuple[time, time]) -> datetime:
    """`days` calendar days after `start` (Stockholm), at `at`, moved out of the quiet hours."""
    day = start.astimezone(STOCKHOLM).date() + timedelta(days=days)
    return next_allowed(datetime.combine(day, at, tzinfo=STOCKHOLM), *quiet)


def check_in_times(wait: WaitKind, since: datetime, policy: CheckinPolicy, quiet: tuple[time, time]) -> list[datetime]:
    """When a family waiting since `since` is checked in with: the waiting list's series, or BUP's one."""
    if wait == "bup":
        return [_on_day(since, policy.bup.at_day, policy.send_at, quiet)]
    w = policy.waiting_list
    return [_on_day(since, w.first_after_days + n * w.every_days, policy.send_at, quiet) for n in range(w.at_most)]


def plan_check_ins(case_id: str, wait: WaitKind, since: datetime, now: datetime, policy: CheckinPolicy,
                   quiet: tuple[time, time]) -> list[tuple[str, Planned]]:
    """(the check-in's identity: case, wait, start and number; its message) for every check-in not long past."""
    late = now - timedelta(hours=policy.late_after_hours)
    return [(f"checkin|{case_id}|{wait}|{since.isoformat()}|{n}",
             Planned(TEMPLATE, FAMILY, FAMILY, at, context={"wait": wait, "n": n + 1}))
            for n, at in enumerate(check_in_times(wait, since, policy, quiet)) if at >= late]


def bup_visit_in_time(decided_at: datetime, starts_at: datetime, policy: CheckinPolicy) -> bool:
    """A BUP visit booked to start before the promise's day: the check-in is not needed."""
    return (starts_at.astimezone(STOCKHOLM).date() - decided_at.astimezone(STOCKHOLM).date()).days < \
        policy.bup.before_day


def link_token(secret: str, notification_id: str) -> str:
    """The personal link's token: derived from the check-in's message (nothing to store in the clear), short
    enough for an SMS, unguessable without the secret."""
    mac = hmac.new(secret.encode(), notification_id.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expires(due_at: datetime, policy: CheckinPolicy) -> datetime:
    return due_at + timedelta(hours=policy.link_valid_hours)
