"""`kontakt up` time to all five services ready, against one service started alone (same broker, same run).

    .venv/bin/python -m bench.up_time
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from kontakt.broker import free_port
from kontakt.system import SERVICES, System


def timed_start(services: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        system = System(data_dir=Path(tmp), broker_port=free_port(),
                        ports={n: free_port() for n in SERVICES}, services=services,
                        sink_ports=(free_port(), free_port()))
        t0 = time.monotonic()
        try:
            system.start_broker()
            t_broker = time.monotonic() - t0
            for name in services:
                system.start_service(name)
            system.wait_ready(services)
            return t_broker, time.monotonic() - t0
        finally:
            system.stop()


def main() -> None:
    _, one = timed_start(["intake"])
    broker, all_five = timed_start(list(SERVICES))
    print(f"embedded broker up and topics created: {broker:6.2f} s")
    print(f"one service (intake) alone, ready:     {one:6.2f} s")
    print(f"kontakt up, all five services ready:   {all_five:6.2f} s")
    print(f"ratio five/one:                        {all_five / one:6.2f}x")


if __name__ == "__main__":
    main()
