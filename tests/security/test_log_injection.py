"""Log-injection strings in inputs come out encoded: one JSON line per record, nothing forged."""
from __future__ import annotations

import io
import json
import logging

from services.chassis.telemetry import RedactingFormatter

INJECTIONS = [
    'call-1\n{"ts": "2026-01-01T00:00:00", "level": "CRITICAL", "msg": "forged"}',
    "call-2\r\nERROR forged line",
    "call-3\u2028forged after a unicode line separator",
    "call-4\x1b[31mred\x1b[0m",
]


def test_injected_newlines_and_control_characters_stay_inside_one_json_record() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter("intake"))
    log = logging.getLogger("test.injection")
    log.addHandler(handler)
    log.propagate = False
    try:
        for value in INJECTIONS:
            log.warning("unknown call step for %s", value)
    finally:
        log.removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(INJECTIONS)
    for line, value in zip(lines, INJECTIONS, strict=True):
        record = json.loads(line)
        assert record["level"] == "WARNING"
        assert record["msg"] == f"unknown call step for {value}"  # the value survives, encoded
        assert "\n" not in line and "\r" not in line and "\x1b" not in line
