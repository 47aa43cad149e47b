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
    """`hours_before` the visit; None when that moment has passed."""
    at = starts_at - timedelta(hours=hours_before)
    return at if at > now else None


def reminder_time(starts_at: datetime, confirmed_at: datetime, *, hours_before: int, evening_at: time,
                  min_gap: timedelta, quiet_start: time, quiet_end: time) -> datetime | None:
    """The reminder a family needs: `hours_before` the visit, else the evening before it, each moved out of the
    quiet hours; the first that comes at least `min_gap` after the confirmation and before the visit, or None."""
    day_before = starts_at.astimezone(STOCKHOLM).date() - timedelta(days=1)
    for candidate in (starts_at - timedelta(hours=hours_before), datetime.combine(day_before, evening_at, STOCKHOLM)):
        at = next_allowed(candidate, quiet_start, quiet_end)
        if confirmed_at + min_gap <= at < starts_at:
            return at
    return None


def early_morning(now: datetime, start: time, end: time, early: time) -> datetime:
    """`early` on the morning that ends the current quiet period (or now, if that moment has passed)."""
    morning = next_allowed(now, start, end).astimezone(STOCKHOLM)
    return max(now, datetime.combine(morning.date(), early, tzinfo=STOCKHOLM))


def backoff(attempts: int, base_s: float, max_s: float) -> timedelta:
    return timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), max_s))
