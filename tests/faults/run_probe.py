"""Run the probe service as its own process (settings from PROBE_* and the shared environment)."""
from __future__ import annotations

import os
import signal

from contracts.envelope import Event
from services.chassis.serve import serve
from tests.probe_service import ProbeSettings, build

if __name__ == "__main__":
    rt = build(ProbeSettings())
    crash_case = os.environ.get("PROBE_CRASH_AFTER_COMMIT_CASE")
    if crash_case:
        def _crash(event: Event) -> None:
            if event.case_id == crash_case:
                os.kill(os.getpid(), signal.SIGKILL)  # after the database commit, before the offset commit
        rt.consumers.after_commit = _crash
    serve(rt)
