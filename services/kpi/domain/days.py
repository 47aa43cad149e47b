"""Care-guarantee days: calendar days in Europe/Stockholm, the contact day is day 0."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from services.chassis.clock import STOCKHOLM

UTC = UTC


def parse_ts(value: str) -> datetime:
    """An ISO timestamp from the wire or the store, as an aware datetime."""
    return datetime.fromisoformat(value)


@lru_cache(maxsize=65536)  # bounded: the replay's memory stays flat; events of one case repeat times
def norm_ts(value: str) -> str:
    """One spelling for every instant (UTC, seconds) so stored timestamps compare as strings."""
    if value.endswith("Z") and len(value) >= 20:  # already UTC, as producers' clocks write it
        return value[:19] + "+00:00"
    return datetime.fromisoformat(value).astimezone(UTC).isoformat(timespec="seconds")


def local_date(ts: str | datetime) -> date:
    """The Swedish calendar day of an instant (what the family and the guarantee count in)."""
    if isinstance(ts, str):
        return _local_date_of(ts)
    return ts.astimezone(STOCKHOLM).date()


@lru_cache(maxsize=65536)  # figures ask for the same stored instants many times over
def _local_date_of(ts: str) -> date:
    return parse_ts(ts).astimezone(STOCKHOLM).date()


def days_between(start: str | datetime, end: str | datetime) -> int:
    """Calendar days from start to end in Swedish time: same day 0, next day 1 (DST-proof)."""
    return (local_date(end) - local_date(start)).days


def deadline_date(start: str | datetime, limit_days: int) -> date:
    """The last calendar day that still meets a promise of `limit_days`."""
    return local_date(start) + timedelta(days=limit_days)


def end_of_day(day: date) -> datetime:
    """The last second of a Swedish calendar day, as an aware datetime."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=STOCKHOLM)


def local_hour(ts: str) -> str:
    """The hour of day in Swedish time, as two digits ('08'): when calls come, so the region sees when to staff."""
    return f"{parse_ts(ts).astimezone(STOCKHOLM).hour:02d}"


def ym(d: date) -> str:
    """A day's month as 'YYYY-MM', the year always four digits ('%Y' gives '1-01' for the year 1 on glibc)."""
    return f"{d.year:04d}-{d.month:02d}"
