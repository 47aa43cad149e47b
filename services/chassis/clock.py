"""Injected time: domain code never reads the wall clock itself."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, optionally shifted by an offset file (only `kontakt demo` writes one).

    The demo replays a past month through the public APIs; shifting every service's clock
    together lets acts (advice, interviews, bookings) carry believable times. Without the
    file, or with offset 0, this is plain UTC now.
    """

    def __init__(self, offset_file: Path | None = None) -> None:
        self.offset_file = offset_file
        self._mtime = -1.0
        self._offset = timedelta(0)

    def _current_offset(self) -> timedelta:
        if self.offset_file is None:
            return timedelta(0)
        try:
            mtime = self.offset_file.stat().st_mtime
        except FileNotFoundError:
            return timedelta(0)
        if mtime != self._mtime:
            try:
                self._offset = timedelta(seconds=float(json.loads(self.offset_file.read_text())["offset_s"]))
                self._mtime = mtime
            except (ValueError, KeyError, OSError):
                pass  # a half-written file: keep the last offset
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self._current_offset()


class FixedClock:
    """A clock for tests: set or advance it by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)
