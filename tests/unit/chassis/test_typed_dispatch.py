"""The chassis dispatches on event_type once and hands each handler the concrete class it registered for."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaRouter

from contracts.envelope import new_case_id
from contracts.intake import CaseClosed, CaseClosedPayload, Signposted
from contracts.registry import parse_event
from services.chassis.consumers import Consumers
from services.chassis.db import Database, UnitOfWork
from services.chassis.dead_letters import DeadLetters
from services.chassis.decode import PermanentError
from services.chassis.dispatch import ConsumerGroup


def _closed() -> CaseClosed:
    return CaseClosed.new(case_id=new_case_id(), occurred_at=datetime.now(UTC),
                          payload=CaseClosedPayload(reason="completed"))


def test_a_handler_gets_the_class_it_registered_for_decoded_from_bytes() -> None:
    group = ConsumerGroup("g", ("intake.cases.v1",))
    seen: list[object] = []

    @group.on(CaseClosed)
    def closed(event: CaseClosed, uow: UnitOfWork) -> None:
        seen.append(event)

    event = parse_event(_closed().model_dump_json().encode())  # as the consumer decodes it
    group.dispatch(event, None)  # type: ignore[arg-type]
    assert len(seen) == 1 and type(seen[0]) is CaseClosed and seen[0].payload.reason == "completed"  # type: ignore[attr-defined]
    assert group.types == frozenset({"CaseClosed"})


def test_one_handler_per_event_class_and_no_mixing_with_batches() -> None:
    group = ConsumerGroup("g", ("intake.cases.v1",))
    group.on(CaseClosed)(lambda event, uow: None)
    with pytest.raises(ValueError, match="already has a handler for CaseClosed"):
        group.on(CaseClosed)(lambda event, uow: None)
    with pytest.raises(ValueError, match="cannot also take batches"):
        group.on_batch({"Signposted"})
    batches = ConsumerGroup("b", ("intake.cases.v1",))
    batches.on_batch({"CaseClosed"})(lambda events, uow: None)
    with pytest.raises(ValueError, match="cannot also have per-event handlers"):
        batches.on(Signposted)


def test_an_event_without_a_handler_is_refused_for_good() -> None:
    group = ConsumerGroup("g", ("intake.cases.v1",))
    group.on(Signposted)(lambda event, uow: None)
    with pytest.raises(PermanentError, match="no handler for CaseClosed"):
        group.dispatch(_closed(), None)  # type: ignore[arg-type]


def test_a_group_name_is_registered_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    consumers = Consumers(Database(f"sqlite:///{tmp_path}/x.db", []), DeadLetters())
    router = KafkaRouter()
    consumers.group(router, "intake.cases.v1", name="g")
    with pytest.raises(ValueError, match="registered twice"):
        consumers.group(router, "intake.cases.v1", name="g")
