"""When a message may go: quiet hours for non-urgent family messages, reminder times, retry backoff."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from services.chassis.clock import STOCKHOLM


def in_quiet_hours(now: datetime, start: time, end: time) -> bool:
    t = now.astimezone(STOCKHOLM).time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # the usual case: the quiet spans midnight


def next_allowed(now: datetime, start: time, end: time) -> datetime:
    """`now` if outside quiet hours, else the end of the quiet period (the morning), in UTC-aware time."""
    if not in_quiet_hours(now, start, end):
        return now
    local = now.astimezone(STOCKHOLM)
    morning = datetime.combine(local.date(), end, tzinfo=STOCKHOLM)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=STOCKHOLM)
    return morning


def reminder_at(starts_at: datetime, hours_before: int, now: datetime) -> datetime | None:
    """When to remind; None when the visit is already closer than that (the confirmation just went)."""
    at = starts_at - timedelta(hours=hours_before)
    return at if at > now else None


def backoff(attempts: int, base_s: float, max_s: float) -> timedelta:
    return timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), max_s))
