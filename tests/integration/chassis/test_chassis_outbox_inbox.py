"""Outbox and inbox over the real broker: nothing published that was not committed, nothing committed lost,
nothing applied twice."""
from __future__ import annotations

import asyncio
import signal

import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session, func, select

from contracts.intake import CASES_TOPIC
from kontakt.broker import create_topics
from services.chassis.relay import OutboxRelay
from services.chassis.tables import InboxRow, OutboxRow
from tests.integration.chassis.conftest import applied, closed, produce, records_of
from tests.probe_service import Tally, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


def unsent(rt) -> int:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        return s.exec(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))).one()  # type: ignore[union-attr]


def has_state(rt, key: str) -> bool:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        return s.get(Tally, key) is not None


async def test_rolled_back_unit_of_work_publishes_nothing_and_committed_one_publishes_with_its_state(
        probe, kafka_bootstrap: str, unique: str) -> None:  # type: ignore[no-untyped-def]
    doomed, kept = closed(), closed()
    async with probe.lifespan(probe.app):
        with pytest.raises(RuntimeError), probe.db.uow() as uow:
            uow.session.add(Tally(case_id=f"state-doomed-{unique}"))
            uow.publish(doomed)
            raise RuntimeError("the request failed after the event was queued")
        with probe.db.uow() as uow:
            uow.session.add(Tally(case_id=f"state-kept-{unique}"))
            uow.publish(kept)
            uow.commit()
        # the relay publishes in outbox order: once `kept` is consumed, `doomed` would have been too
        await wait_until(lambda: applied(probe, kept.case_id) == 1)  # type: ignore[arg-type]
    on_topic = await records_of(kafka_bootstrap, CASES_TOPIC, {doomed.case_id, kept.case_id})  # type: ignore[arg-type]
    assert [r.key for r in on_topic] == [kept.case_id.encode()]  # type: ignore[union-attr]
    assert applied(probe, doomed.case_id) == 0  # type: ignore[arg-type]
    assert (has_state(probe, f"state-doomed-{unique}"), has_state(probe, f"state-kept-{unique}")) == (False, True)
    assert unsent(probe) == 0


async def test_event_committed_while_the_broker_does_not_answer_is_published_when_it_answers_again(
        probe_settings, own_broker) -> None:  # type: ignore[no-untyped-def]
    # a broker of its own, frozen with SIGSTOP: it keeps its log, answers nothing, and the test does
    # not disturb the broker the rest of the session shares
    broker = own_broker()
    try:
        await create_topics(broker.bootstrap, [CASES_TOPIC], partitions=1)
        rt = build(probe_settings(kafka_bootstrap_servers=broker.bootstrap))
        async with rt.lifespan(rt.app):
            before = closed()
            with rt.db.uow() as uow:
                uow.publish(before)
                uow.commit()
            await wait_until(lambda: applied(rt, before.case_id) == 1)  # type: ignore[arg-type]
            broker.proc.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]
            during = closed()
            try:
                with rt.db.uow() as uow:  # the request still succeeds: the event waits in the outbox
                    uow.publish(during)
                    uow.commit()
                await asyncio.sleep(1.0)  # give the relay time to try (and fail to get an ack)
                assert unsent(rt) == 1
                assert rt.readiness()[1]["outbox_unsent"] == 1
            finally:
                broker.proc.send_signal(signal.SIGCONT)  # type: ignore[union-attr]
            await wait_until(lambda: applied(rt, during.case_id) == 1)  # type: ignore[arg-type]
            await wait_until(lambda: unsent(rt) == 0)
        assert applied(rt, before.case_id) == 1  # type: ignore[arg-type]
    finally:
        broker.stop()


async def test_relay_crash_between_send_and_mark_puts_the_event_twice_on_the_topic_and_applies_it_once(
        probe, kafka_bootstrap: str) -> None:  # type: ignore[no-untyped-def]
    await asyncio.to_thread(probe.migrate)
    ev = closed()
    with probe.db.uow() as uow:
        uow.publish(ev)
        uow.commit()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()

    async def send_then_die(row: OutboxRow) -> None:
        await producer.send_and_wait(row.topic, row.payload, key=row.key.encode(),
                                     headers=[(k, v.encode()) for k, v in row.headers.items()])
        raise SystemError("relay process died after the broker acknowledged, before marking the row sent")

    try:
        with pytest.raises(SystemError):
            await OutboxRelay(probe.db, send_then_die).drain_once()
    finally:
        await producer.stop()
    assert unsent(probe) == 1  # the crash left the row unsent: it will be sent again

    after = closed(ev.case_id)  # a later event of the same case, so on the same partition
    async with probe.lifespan(probe.app):  # the restarted service's relay re-sends the row
        await wait_until(lambda: unsent(probe) == 0)
        # once the later event is applied, both copies of the first have been consumed
        await produce(kafka_bootstrap, (after.model_dump_json().encode(), ev.case_id.encode(), []))  # type: ignore[union-attr]
        await wait_until(lambda: applied(probe, ev.case_id) >= 2)  # type: ignore[arg-type]
    assert applied(probe, ev.case_id) == 2  # type: ignore[arg-type]  # the first once, the later one once
    copies = await records_of(kafka_bootstrap, CASES_TOPIC, {ev.case_id})  # type: ignore[arg-type]
    first = ev.model_dump_json().encode()
    assert [r.value for r in copies if r.value != after.model_dump_json().encode()] == [first] * 2


async def test_the_same_event_delivered_twice_changes_state_once(probe, kafka_bootstrap: str) -> None:  # type: ignore[no-untyped-def]
    ev = closed()
    after = closed(ev.case_id)  # a later event of the same case (same key, same partition)
    value = ev.model_dump_json().encode()
    key = ev.case_id.encode()  # type: ignore[union-attr]
    group = probe.consumers.groups[0]
    async with probe.lifespan(probe.app):
        await produce(kafka_bootstrap, (value, key, []), (value, key, []),
                      (after.model_dump_json().encode(), key, []))
        await wait_until(lambda: applied(probe, ev.case_id) >= 2)  # type: ignore[arg-type]
    assert applied(probe, ev.case_id) == 2  # type: ignore[arg-type]  # the twice-delivered one counted once
    with Session(probe.db.engine) as s:
        rows = s.exec(select(InboxRow).where(InboxRow.event_id == str(ev.event_id))).all()
    assert [(r.consumer, r.topic) for r in rows] == [(group, CASES_TOPIC)]
