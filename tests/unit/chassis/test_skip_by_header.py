"""A group passes over the known event types it has no handler for by their `event_type` header, unparsed;
a record without the header, or naming a type no one knows, is still decoded and dead-lettered if poison."""
from __future__ import annotations

from typing import Any, cast

from aiokafka.structs import ConsumerRecord

from contracts.intake import CaseClosed
from services.chassis.consumers import Consumers
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.decode import declared_type
from services.chassis.dispatch import ConsumerGroup
from services.chassis.records import Record


class _Letters:
    """Collects what would be dead-lettered (no broker)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, group: str, record: Record, reason: str, attempts: int) -> None:
        self.sent.append((record.offset, reason))


def _record(offset: int, value: bytes, headers: list[tuple[str, bytes]]) -> Record:
    return cast(Record, ConsumerRecord(
        topic="intake.cases.v1", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=b"C-7K3M9Q2XH4TB",
        value=value, checksum=None, serialized_key_size=14, serialized_value_size=len(value), headers=headers))


def test_the_declared_type_is_the_event_type_header() -> None:
    assert declared_type([("traceparent", b"00-ab"), ("event_type", b"CaseClosed")]) == "CaseClosed"
    assert declared_type([("traceparent", b"00-ab")]) is None
    assert declared_type([("event_type", b"\xff")]) is None


async def test_a_type_the_group_does_not_handle_is_skipped_unparsed_and_poison_still_dead_lettered() -> None:
    letters = _Letters()
    consumers = Consumers(cast(Database, None), cast(DeadLetters, letters))
    group = ConsumerGroup("test.closed", ("intake.cases.v1",))

    @group.on(CaseClosed)
    def closed(event: CaseClosed, uow: Any) -> None:  # never reached: nothing here is applied
        raise AssertionError("no record here is for this handler")

    # not JSON at all: were it parsed, it would be dead-lettered; its header says it is not ours
    not_ours = _record(1, b"{not json", [("event_type", b"ReferralReceived")])
    no_header = _record(2, b"{not json", [])
    unknown = _record(3, b"{not json", [("event_type", b"CaseReopened")])
    await consumers.process_batch(group, [not_ours, no_header, unknown])
    assert consumers.stats.skipped["test.closed"] == 1
    assert [offset for offset, _ in letters.sent] == [2, 3]
