"""Messages a consumer can never apply go to `<group>.dlq` as they came, with the reason; the partition flows on."""
from __future__ import annotations

import json

import pytest

from contracts.registry import dead_letter_topic
from kontakt.broker import read_all
from tests.integration.chassis.conftest import FAST, applied, closed, produce, wait_until
from tests.probe_service import FAIL_CASES

pytestmark = pytest.mark.broker


async def test_poison_messages_are_dead_lettered_with_bytes_headers_and_reason_and_later_ones_applied(
        probe, kafka_bootstrap: str) -> None:  # type: ignore[no-untyped-def]
    good, refused = closed(), closed()
    key = good.case_id.encode()  # one key: every message lands on the same partition, in this order
    schema_invalid = json.loads(closed(good.case_id).model_dump_json())
    schema_invalid["payload"]["reason"] = "no-such-reason"
    unknown = json.loads(closed(good.case_id).model_dump_json()) | {"event_type": "CaseReopened"}
    bad_header = closed(good.case_id)
    poison = {
        "bad-json": (b'{"event_type": "CaseClosed", ', [("marker", b"bad-json")]),
        "schema-invalid": (json.dumps(schema_invalid).encode(), [("marker", b"schema-invalid")]),
        "null": (None, [("marker", b"null")]),
        "unknown-type": (json.dumps(unknown).encode(), [("marker", b"unknown-type")]),
        "non-utf8-header": (bad_header.model_dump_json().encode(), [("marker", b"non-utf8-header"),
                                                                    ("traceparent", b"\xff\xfe\x80")]),
        "handler-fails": (refused.model_dump_json().encode(), [("marker", b"handler-fails")]),
    }
    FAIL_CASES.add(refused.case_id)  # type: ignore[arg-type]
    group = probe.consumers.groups[0]
    try:
        async with probe.lifespan(probe.app):
            await produce(kafka_bootstrap, *[(value, key, headers) for value, headers in poison.values()],
                          (good.model_dump_json().encode(), key, [("marker", b"good")]))
            # the good message after all the poison is applied: nothing blocked the partition
            await wait_until(lambda: applied(probe, good.case_id) == 1)  # type: ignore[arg-type]
            await wait_until(lambda: probe.consumers.stats.dead_lettered[group] >= len(poison))
    finally:
        FAIL_CASES.discard(refused.case_id)  # type: ignore[arg-type]

    letters = await read_all(kafka_bootstrap, dead_letter_topic(group))
    dead = {dict(r.headers)["marker"].decode(): r for r in letters}
    assert sorted(dead) == sorted(poison) and len(letters) == len(poison)  # each once: no loop
    for marker, (value, headers) in poison.items():
        record = dead[marker]
        got = dict(record.headers)
        assert record.value == value and record.key == key, marker
        assert all(got[name] == raw for name, raw in headers), marker
        assert got["x-dlq-reason"], marker
        assert got["x-dlq-original-topic"] == b"intake.cases.v1"
    assert b"Validation" in dict(dead["schema-invalid"].headers)["x-dlq-reason"]
    assert b"null" in dict(dead["null"].headers)["x-dlq-reason"]
    assert b"unknown event_type" in dict(dead["unknown-type"].headers)["x-dlq-reason"]
    failing = dict(dead["handler-fails"].headers)
    assert failing["x-dlq-attempts"] == str(FAST["consumer_max_attempts"]).encode()
    assert b"refused on purpose" in failing["x-dlq-reason"]
    # bounded: the failing handler was retried max_attempts - 1 times, not forever
    assert probe.consumers.stats.retries[group] == FAST["consumer_max_attempts"] - 1
    # the poison shares the good event's case: only the good one counted
    assert applied(probe, refused.case_id) == 0 and applied(probe, good.case_id) == 1  # type: ignore[arg-type]
    assert b"not UTF-8" in dict(dead["non-utf8-header"].headers)["x-dlq-reason"]
