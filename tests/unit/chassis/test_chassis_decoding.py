"""Decoding before any handler runs: what is poison (dead-lettered at once) and what is a readable event."""
from __future__ import annotations

import json

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaParser

from contracts.intake import CaseClosed
from contracts.schema_tools import sample_event
from services.chassis.consumers import ConsumerStats
from services.chassis.decode import PermanentError, check_headers, decode, tolerant_parser
from services.chassis.telemetry import redact

GOOD = json.dumps(sample_event(CaseClosed)).encode()


def _record(value: bytes | None, headers: list[tuple[str, bytes]]) -> ConsumerRecord:  # type: ignore[type-arg]
    return ConsumerRecord(topic="intake.cases.v1", partition=0, offset=3, timestamp=0, timestamp_type=0,
                          key=b"C-7K3M9Q2XH4TB", value=value, checksum=None, serialized_key_size=14,
                          serialized_value_size=len(value or b""), headers=headers)


def test_a_valid_event_decodes_to_its_class() -> None:
    assert isinstance(decode(GOOD), CaseClosed)


@pytest.mark.parametrize("value,reason", [
    (None, "null value"),
    (b"\xff\xfe", "JSONDecodeError"),  # json.loads detects the encoding: not UTF-8 is not JSON
    (b"{not json", "JSONDecodeError"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"event_type": "CaseReopened"}).encode(), "unknown event_type"),
    (json.dumps({**json.loads(GOOD), "schema_version": 9}).encode(), "NewerSchemaVersion"),
    (json.dumps({**json.loads(GOOD), "case_id": "19121212-1212"}).encode(), "ValidationError"),
], ids=["null", "not-utf8", "bad-json", "not-object", "unknown-type", "newer-version", "schema-invalid"])
def test_poison_is_a_permanent_error_with_a_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(PermanentError, match=reason):
        decode(value)


def test_a_header_that_is_not_utf8_is_poison() -> None:
    check_headers([("event_type", b"CaseClosed")])
    with pytest.raises(PermanentError, match="'traceparent' is not UTF-8"):
        check_headers([("traceparent", b"\xff")])


async def test_parser_accepts_a_non_utf8_header_and_keeps_the_original_record() -> None:
    original = AioKafkaParser(KafkaMessage, None).parse_message
    record = _record(GOOD, [("traceparent", b"\xff\xfe")])
    with pytest.raises(UnicodeDecodeError):  # FastStream's own parser fails before any handler
        await original(record)
    msg = await tolerant_parser(record, original)
    assert msg.raw_message is record and record.headers == [("traceparent", b"\xff\xfe")]
    assert msg.body == GOOD


def test_a_consumer_is_stalled_only_while_one_message_takes_too_long() -> None:
    stats = ConsumerStats()
    stats.in_flight_since["g"] = 0.0  # monotonic clock start: long ago
    assert stats.stalled(after_s=1.0) == ["g"]
    stats.in_flight_since.pop("g")
    assert stats.stalled(after_s=1.0) == []


def test_logs_mask_identity_and_phone_numbers() -> None:
    line = redact("child 20121212-1212 (121212-1212), guardian +46 70 123 45 67 or 0701234567, case C-7K3M9Q2XH4TB")
    assert "1212" not in line and "4567" not in line and "C-7K3M9Q2XH4TB" in line
