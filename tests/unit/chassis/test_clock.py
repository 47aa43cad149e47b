"""The system clock follows the demo's offset file, and is plain UTC without one."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.chassis.clock import SystemClock


def test_offset_file_shifts_the_clock_and_follows_changes(tmp_path: Path) -> None:
    f = tmp_path / "clock.json"
    clock = SystemClock(f)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)  # no file yet
    f.write_text(json.dumps({"offset_s": -30 * 86400}))
    assert abs(clock.now() - (datetime.now(UTC) - timedelta(days=30))) < timedelta(seconds=2)
    f.write_text(json.dumps({"offset_s": -86400}))
    os.utime(f, (1, 1))  # a new mtime, as a later write would give
    assert abs(clock.now() - (datetime.now(UTC) - timedelta(days=1))) < timedelta(seconds=2)


def test_half_written_offset_file_keeps_the_last_offset(tmp_path: Path) -> None:
    f = tmp_path / "clock.json"
    f.write_text(json.dumps({"offset_s": -3600}))
    clock = SystemClock(f)
    first = clock.now()
    f.write_text("{")
    os.utime(f, (2, 2))
    assert abs(clock.now() - first) < timedelta(seconds=2)


def test_an_offset_whose_lease_ran_out_is_ignored_and_a_renewed_one_applies(tmp_path: Path) -> None:
    f = tmp_path / "clock.json"
    clock = SystemClock(f)
    real = datetime.now(UTC)
    f.write_text(json.dumps({"offset_s": -30 * 86400, "lease_until": real.timestamp() - 1}))
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)  # left behind by a killed demo
    tmp = f.with_suffix(".tmp")  # renewed as the demo writes it: a new file put in place
    tmp.write_text(json.dumps({"offset_s": -30 * 86400, "lease_until": real.timestamp() + 60}))
    tmp.replace(f)
    assert abs(clock.now() - (datetime.now(UTC) - timedelta(days=30))) < timedelta(seconds=2)
