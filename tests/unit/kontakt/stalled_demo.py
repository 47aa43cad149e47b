"""A demo run stalled in its first act, as a process to interrupt (tests/unit/kontakt/test_demo_clock.py)."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from kontakt.demo import Demo
from kontakt.demo_report import Tally, progress_for


class StalledSystem:
    """Answers the demo's first questions, then hangs in the first calendar import (a slow service)."""

    def units(self) -> list[dict[str, Any]]:
        return [{"unit_id": "bup-umea", "level": "specialist", "professions": ["psychologist"]}]

    def schools(self) -> list[dict[str, Any]]:
        return [{"id": "sk-1"}]

    def import_slots(self, unit_id: str, rows: list[dict[str, Any]]) -> None:
        print("stalled", flush=True)
        while True:
            time.sleep(0.05)


def main(clock_file: Path) -> None:
    demo = Demo(StalledSystem(), clock_file, seed=1, days=5, scale=0.1)  # type: ignore[arg-type]
    try:
        with demo.clock.held():
            demo.run(progress_for(Tally()))
    except KeyboardInterrupt as stop:
        print(f"stopped {stop}", flush=True)
        sys.exit(130)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
