"""Messages a consumer can never apply go to `<group>.dlq` as they came, with the reason; the partition flows on."""
from __future__ import annotations

import asyncio
import json

import pytest

from contracts.registry import dead_letter_topic
from kontakt.broker import read_all
from tests.integration.chassis.conftest import FAST, applied, closed, produce
from tests.probe_service import FAIL_CASES
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


def _ours(records: list, unique: str) -> dict[str, list]:  # type: ignore[type-arg]
    """Our dead letters by marker (the group reads the shared topic from the start: others' poison too)."""
    found: dict[str, list] = {}  # type: ignore[type-arg]
    for r in records:
        tag = dict(r.headers).get("marker", b"").decode("utf-8", "replace")
        if tag.startswith(f"{unique}:"):
            found.setdefault(tag.split(":", 1)[1], []).append(r)
    return found


async def test_poison_messages_are_dead_lettered_with_bytes_headers_and_reason_and_later_ones_applied(
        probe, kafka_bootstrap: str, unique: str) -> None:  # type: ignore[no-untyped-def]
    good, refused = closed(), closed()
    key = good.case_id.encode()  # one key: every message lands on the same partition, in this order
    schema_invalid = json.loads(closed(good.case_id).model_dump_json())
    schema_invalid["payload"]["reason"] = "no-such-reason"
    unknown = json.loads(closed(good.case_id).model_dump_json()) | {"event_type": "CaseReopened"}
    bad_header = closed(good.case_id)
    other_case = closed()  # a valid event of another case, on this key's partition: would reorder its case
    poison = {
        "bad-json": (b'{"event_type": "CaseClosed", ', [("marker", f"{unique}:bad-json".encode())]),
        "schema-invalid": (json.dumps(schema_invalid).encode(), [("marker", f"{unique}:schema-invalid".encode())]),
        "null": (None, [("marker", f"{unique}:null".encode())]),
        "unknown-type": (json.dumps(unknown).encode(), [("marker", f"{unique}:unknown-type".encode())]),
        "non-utf8-header": (bad_header.model_dump_json().encode(), [("marker", f"{unique}:non-utf8-header".encode()),
                                                                    ("traceparent", b"\xff\xfe\x80")]),
        "handler-fails": (refused.model_dump_json().encode(), [("marker", f"{unique}:handler-fails".encode())]),
        "wrong-key": (other_case.model_dump_json().encode(), [("marker", f"{unique}:wrong-key".encode())]),
        "null-key": (closed(good.case_id).model_dump_json().encode(), [("marker", f"{unique}:null-key".encode())]),
    }
    keys = {"handler-fails": refused.case_id.encode(), "null-key": None}  # the rest share the good event's key
    FAIL_CASES.add(refused.case_id)  # type: ignore[arg-type]
    group = probe.consumers.groups[0]
    try:
        async with probe.lifespan(probe.app):
            await produce(kafka_bootstrap, *[(value, keys.get(m, key), headers) for m, (value, headers) in poison.items()],
                          (good.model_dump_json().encode(), key, [("marker", f"{unique}:good".encode())]))
            # the good message after all the poison is applied: nothing blocked the partition
            await wait_until(lambda: applied(probe, good.case_id) == 1)  # type: ignore[arg-type]
            for _ in range(100):  # the dead-letter producer sends before the offset commits: soon there
                letters = _ours(await read_all(kafka_bootstrap, dead_letter_topic(group)), unique)
                if len(letters) == len(poison):
                    break
                await asyncio.sleep(0.1)
    finally:
        FAIL_CASES.discard(refused.case_id)  # type: ignore[arg-type]

    assert {m: len(rs) for m, rs in letters.items()} == {m: 1 for m in poison}  # each once: no loop
    dead = {m: rs[0] for m, rs in letters.items()}
    for marker, (value, headers) in poison.items():
        record = dead[marker]
        got = dict(record.headers)
        assert record.value == value and record.key == keys.get(marker, key), marker
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
    assert b"key does not match" in dict(dead["wrong-key"].headers)["x-dlq-reason"]
    assert b"no key" in dict(dead["null-key"].headers)["x-dlq-reason"]
    assert applied(probe, other_case.case_id) == 0  # type: ignore[arg-type]


async def test_record_larger_than_any_producer_may_send_is_dead_lettered_whole_and_the_next_applied(
        probe_settings, kafka_bootstrap: str, unique: str) -> None:  # type: ignore[no-untyped-def]
    from tests.probe_service import build

    probe = build(probe_settings(kafka_max_message_bytes=20_000))
    big = closed()
    key = big.case_id.encode()
    good = closed(big.case_id)
    padded = json.loads(big.model_dump_json()) | {"padding": "x" * 40_000}  # valid, but larger than the limit
    group = probe.consumers.groups[0]
    async with probe.lifespan(probe.app):
        await produce(kafka_bootstrap, (json.dumps(padded).encode(), key, [("marker", f"{unique}:big".encode())]),
                      (good.model_dump_json().encode(), key, []))
        await wait_until(lambda: applied(probe, good.case_id) == 1)  # type: ignore[arg-type]
        letters = await wait_until(lambda: asyncio.run(read_all(kafka_bootstrap, dead_letter_topic(group)))
                                   and _ours(asyncio.run(read_all(kafka_bootstrap, dead_letter_topic(group))), unique))
    (letter,) = letters["big"]
    assert len(letter.value) > 40_000 and letter.key == key
    assert b"larger than the largest event" in dict(letter.headers)["x-dlq-reason"]
    assert applied(probe, big.case_id) == 1  # the case's good event only: the big one was never applied
