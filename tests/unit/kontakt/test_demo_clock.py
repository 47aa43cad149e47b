"""An interrupted demo never leaves the services' clock shifted: Ctrl-C, SIGTERM and SIGHUP stop it at once and put
the clock back; a demo killed outright stops counting when its lease runs out; `kontakt clock` shows and resets."""
from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kontakt.cli import app
from kontakt.demo import Demo
from kontakt.demo_report import Tally, progress_for
from kontakt.democlock import DemoClock
from services.chassis.clock import SystemClock
from tests.unit.kontakt.stalled_demo import StalledSystem

ROOT = Path(__file__).resolve().parents[3]


def _stalled_demo(clock_file: Path, ignore_sigint: bool) -> subprocess.Popen[str]:
    def ignore() -> None:  # as a job started in the background by a script: SIGINT ignored on arrival
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = subprocess.Popen([sys.executable, "-m", "tests.unit.kontakt.stalled_demo", str(clock_file)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, preexec_fn=ignore if ignore_sigint else None)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "stalled"
    return proc


@pytest.mark.parametrize(("sig", "ignore_sigint"), [(signal.SIGINT, False), (signal.SIGINT, True),
                                                     (signal.SIGTERM, False), (signal.SIGHUP, False)])
def test_a_signal_stops_a_stalled_demo_at_once_and_puts_the_clock_back(
        tmp_path: Path, sig: signal.Signals, ignore_sigint: bool) -> None:
    clock_file = tmp_path / "clock.json"
    proc = _stalled_demo(clock_file, ignore_sigint)
    try:
        shifted = SystemClock(clock_file).now()
        assert shifted < datetime.now(UTC) - timedelta(days=4)  # the demo's first act, days ago
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130 and out.startswith("stopped"), out
    assert not clock_file.exists()
    assert abs(SystemClock(clock_file).now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_ctrl_c_inside_an_act_is_not_taken_for_a_refused_act_and_the_clock_is_put_back(tmp_path: Path) -> None:
    class Interrupted(StalledSystem):
        def import_slots(self, unit_id: str, rows: list[dict[str, Any]]) -> None:
            assert (tmp_path / "clock.json").exists()  # the act runs on the shifted clock
            raise KeyboardInterrupt

    demo = Demo(Interrupted(), tmp_path / "clock.json", seed=1, days=5, scale=0.1)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt), demo.clock.held():
        demo.run(progress_for(Tally(), io.StringIO()))
    assert not (tmp_path / "clock.json").exists() and not demo.fig.failed


def test_a_held_clock_renews_its_lease_and_an_abandoned_one_runs_out(tmp_path: Path) -> None:
    clock_file = tmp_path / "clock.json"
    past = datetime.now(UTC) - timedelta(days=30)
    held = DemoClock(clock_file, lease_s=0.3)
    with held.held():
        held.set(past)
        first = json.loads(clock_file.read_text())["lease_until"]
        deadline = time.monotonic() + 20
        while json.loads(clock_file.read_text())["lease_until"] == first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert json.loads(clock_file.read_text())["lease_until"] > first  # renewed while the demo runs
    assert not clock_file.exists()

    abandoned = DemoClock(clock_file, lease_s=0.2)  # as a demo killed outright (SIGKILL): nothing cleans up
    abandoned.set(past)
    time.sleep(0.3)
    assert clock_file.exists()
    assert abs(SystemClock(clock_file).now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_kontakt_clock_shows_the_offset_and_resets_it(tmp_path: Path) -> None:
    runner = CliRunner()
    clock = DemoClock(tmp_path / "clock.json")
    clock.set(datetime.now(UTC) - timedelta(days=30))
    shown = runner.invoke(app, ["clock", "show", "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0 and "förskjuten -30.0 dagar" in shown.output and "shifted -30.0 days" in shown.output
    (tmp_path / "clock.json").write_text(json.dumps({"offset_s": -86400 * 30, "lease_until": time.time() - 5}))
    left = runner.invoke(app, ["clock", "show", "--data-dir", str(tmp_path)])
    assert "left behind by an interrupted demo" in left.output and "kvarlämnad" in left.output
    reset = runner.invoke(app, ["clock", "reset", "--data-dir", str(tmp_path)])
    assert reset.exit_code == 0 and not (tmp_path / "clock.json").exists()
    true = runner.invoke(app, ["clock", "show", "--data-dir", str(tmp_path)])
    assert "The services' clock is true" in true.output and "går rätt" in true.output
