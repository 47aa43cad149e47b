"""Injected time: domain code never reads the wall clock itself."""
from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def seconds_until(now: datetime, at: time) -> float:
    """Seconds until the next `at` in Swedish time (a full day when it is that minute now): when a nightly job
    (booking's runway, the KPI's demand forecast) next runs."""
    local = now.astimezone(STOCKHOLM)
    target = datetime.combine(local.date(), at, STOCKHOLM)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), at, STOCKHOLM)
    return (target - local).total_seconds()


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, optionally shifted by an offset file (only `kontakt demo` writes one).

    The demo replays a past month through the public APIs; shifting every service's clock
    together lets acts (advice, interviews, bookings) carry believable times. Without the
    file, or with offset 0, this is plain UTC now. The demo renews a lease in the file
    (`lease_until`, Unix seconds) while it runs: past it the offset is ignored, so a demo
    killed outright (SIGKILL, power) cannot leave the services a month in the past.
    """

    def __init__(self, offset_file: Path | None = None) -> None:
        self.offset_file = offset_file
        self._seen: tuple[int, int] | None = None  # (inode, mtime ns) of the file last read
        self._offset = timedelta(0)
        self._lease_until: float | None = None

    def _current_offset(self, now: datetime) -> timedelta:
        if self.offset_file is None:
            return timedelta(0)
        try:
            st = self.offset_file.stat()
        except FileNotFoundError:
            return timedelta(0)
        # the demo replaces the file (a new inode) on every write: two writes in one mtime tick are still seen
        if (st.st_ino, st.st_mtime_ns) != self._seen:
            try:
                data = json.loads(self.offset_file.read_text())
                self._offset = timedelta(seconds=float(data["offset_s"]))
                self._lease_until = float(data["lease_until"]) if "lease_until" in data else None
                self._seen = (st.st_ino, st.st_mtime_ns)
            except (ValueError, KeyError, TypeError, OSError):
                pass  # a half-written file: keep the last offset
        if self._lease_until is not None and now.timestamp() > self._lease_until:
            return timedelta(0)  # its writer stopped renewing it: left behind, not in force
        return self._offset

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now + self._current_offset(now)


class FixedClock:
    """A clock for tests: set or advance it by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)
