"""A monotonic clock that starts near zero, as on a machine booted seconds ago (KONTAKT_TEST_MONOTONIC_START)."""
from __future__ import annotations

import os
import time

ENV = "KONTAKT_TEST_MONOTONIC_START"


def install_from_env() -> float | None:
    """With KONTAKT_TEST_MONOTONIC_START=<seconds>, make time.monotonic() read that many seconds now and run on
    from there (the real clock minus a fixed offset, so every interval stays true). Returns the offset, or None.

    It must run before product code is imported: a default argument such as `clock=time.monotonic` keeps the
    function it saw at import. Only this process sees it; `scripts/test-any-machine.sh` also starts the whole
    run in a fresh time namespace, which reaches the brokers and services the tests start as processes."""
    start = os.environ.get(ENV)
    if not start:
        return None
    real, real_ns = time.monotonic, time.monotonic_ns
    offset_ns = real_ns() - int(float(start) * 1e9)
    offset = offset_ns / 1e9

    def monotonic() -> float:
        return real() - offset

    def monotonic_ns() -> int:
        return real_ns() - offset_ns

    time.monotonic, time.monotonic_ns = monotonic, monotonic_ns
    return offset
