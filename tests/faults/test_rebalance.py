"""Consumers of one group joining and leaving under load, and a handler slower than the poll interval."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.intake import CaseClosed, CaseClosedPayload
from kontakt.broker import create_topics
from tests.faults.harness import applied_counts, report
from tests.probe_service import SLOW, ProbeSettings, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def produce(bootstrap: str, topic: str, cases: list[str], pause: float) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for case_id in cases:
            ev = CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                                payload=CaseClosedPayload(reason="completed"))
            await producer.send_and_wait(topic, ev.model_dump_json().encode(), key=case_id.encode())
            await asyncio.sleep(pause)
    finally:
        await producer.stop()


def probe(kafka_bootstrap: str, tmp_path: Path, issuer, unique: str, **extra):  # type: ignore[no-untyped-def]
    return build(ProbeSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path,
                               database_url=f"sqlite:///{tmp_path / 'shared.db'}", auth_jwks_file=issuer.jwks_file,
                               consumer_group_prefix=f"t-{unique}-", **extra))


async def test_rebalance_storm_skips_nothing_and_applies_each_event_once(kafka_bootstrap, tmp_path, issuer, unique):  # type: ignore[no-untyped-def]
    from contracts.intake import CASES_TOPIC

    await create_topics(kafka_bootstrap, [CASES_TOPIC])
    cases = [new_case_id() for _ in range(150)]
    instances = [probe(kafka_bootstrap, tmp_path, issuer, unique) for _ in range(3)]
    load = asyncio.create_task(produce(kafka_bootstrap, CASES_TOPIC, cases, pause=0.03))
    a, b, c = (rt.lifespan(rt.app) for rt in instances)
    await a.__aenter__()
    await asyncio.sleep(1.0)
    await b.__aenter__()          # joins: rebalance
    await asyncio.sleep(1.0)
    await c.__aenter__()          # joins: rebalance
    await asyncio.sleep(1.0)
    await a.__aexit__(None, None, None)  # leaves under load: rebalance
    await asyncio.sleep(1.0)
    await b.__aexit__(None, None, None)  # leaves: rebalance
    await load
    try:
        counts = await wait_until(lambda: (x := applied_counts(instances[2].db.engine, set(cases)))
                                  and len(x) == len(cases) and x, timeout=90)
    finally:
        await c.__aexit__(None, None, None)
    stats = [rt.consumers.stats for rt in instances]
    report("rebalance-storm", sent=len(cases), applied=sum(counts.values()),
           duplicates_absorbed=sum(sum(s.duplicates.values()) for s in stats),
           dead_lettered=sum(sum(s.dead_lettered.values()) for s in stats))
    assert set(counts.values()) == {1}
    assert sum(sum(s.dead_lettered.values()) for s in stats) == 0


async def test_handler_slower_than_poll_interval_neither_crashes_nor_skips(kafka_bootstrap, tmp_path, issuer, unique):  # type: ignore[no-untyped-def]
    from contracts.intake import CASES_TOPIC

    cases = [new_case_id() for _ in range(8)]
    rt = probe(kafka_bootstrap, tmp_path, issuer, unique, consumer_max_poll_interval_ms=1000)
    SLOW.update({case_id: 1.5 for case_id in cases[:2]})
    try:
        async with rt.lifespan(rt.app):
            await produce(kafka_bootstrap, CASES_TOPIC, cases[:2], pause=0)
            await wait_until(lambda: len(applied_counts(rt.db.engine, set(cases[:2]))) == 2, timeout=60)
            await produce(kafka_bootstrap, CASES_TOPIC, cases[2:], pause=0)
            counts = await wait_until(lambda: (x := applied_counts(rt.db.engine, set(cases)))
                                      and len(x) == len(cases) and x, timeout=60)
            assert rt.ready
    finally:
        SLOW.clear()
    report("slow-handler", sent=len(cases), applied=sum(counts.values()),
           duplicates_absorbed=sum(rt.consumers.stats.duplicates.values()))
    assert set(counts.values()) == {1}
