"""A backlog through one chassis consumer group (decode, checks, inbox rows and handler in one transaction per
fetched batch, offsets after) against raw aiokafka consume-and-decode of the same records, on the same broker
in the same run. The handler does nothing, so this is the chassis's own cost per event.

    .venv/bin/python -m bench.consumer_drain [--events 20000] [--database sqlite|postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, CaseClosed, CaseClosedPayload
from kontakt.broker import EmbeddedBroker, create_topics
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.chassis.spec import Infra, ServiceSpec
from services.chassis.subscriptions import Subscription, on
from tests.probe_service import ProbeSettings

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def fill(bootstrap: str, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = []
        for _ in range(n):
            ev = CaseClosed.new(case_id=new_case_id(), occurred_at=datetime.now(UTC),
                                payload=CaseClosedPayload(reason="completed"))
            futures.append(await producer.send(CASES_TOPIC, ev.model_dump_json().encode(), key=ev.key.encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def raw(bootstrap: str, n: int) -> tuple[float, float]:
    """aiokafka getmany + json.loads of every value, committing after each fetch: the floor."""
    consumer = AIOKafkaConsumer(CASES_TOPIC, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100)
    await consumer.start()
    try:
        seen = 0
        t0, c0 = time.perf_counter(), time.process_time()
        while seen < n:
            for recs in (await consumer.getmany(timeout_ms=200, max_records=500)).values():
                for rec in recs:
                    json.loads(rec.value)
                    seen += 1
            await consumer.commit()
        return time.perf_counter() - t0, time.process_time() - c0
    finally:
        await consumer.stop()


def nothing(event: CaseClosed, uow: UnitOfWork, deps: None) -> None:
    """Applies nothing: what is left is the chassis."""


async def ours(bootstrap: str, n: int, data_dir: Path, database_url: str | None) -> tuple[float, float]:
    settings = ProbeSettings(kafka_bootstrap_servers=bootstrap, data_dir=data_dir, kafka_session_timeout_ms=3000,
                             **({"database_url": database_url} if database_url else {}))
    group = f"drain-{uuid.uuid4().hex[:6]}"
    rt = ServiceRuntime(ServiceSpec(title="drain", description="", infra=Infra.of(settings, []), migrations=None,
                                    deps=None, subscriptions=[Subscription(group, (CASES_TOPIC,),
                                                                           (on(CaseClosed, nothing),))]))
    async with rt.lifespan(rt.app):
        t0, c0 = time.perf_counter(), time.process_time()
        while rt.consumers.stats.applied[group] < n:
            await asyncio.sleep(0.02)
        return time.perf_counter() - t0, time.process_time() - c0


async def main(n: int, database: str) -> None:
    broker = EmbeddedBroker().start()
    db_name = None
    try:
        await create_topics(broker.bootstrap, [CASES_TOPIC], 6)
        await fill(broker.bootstrap, n)
        url = None
        if database == "postgres":
            import psycopg

            db_name = f"kontakt_drain_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{db_name}"')
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}"
        with tempfile.TemporaryDirectory() as tmp:
            raw_wall, raw_cpu = await raw(broker.bootstrap, n)
            our_wall, our_cpu = await ours(broker.bootstrap, n, Path(tmp), url)
    finally:
        broker.stop()
        if db_name:
            import psycopg

            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(f"backlog of {n} events, {database}, load average {os.getloadavg()[0]:.1f}")
    print(f"raw aiokafka consume + json.loads  {n / raw_wall:8.0f} ev/s   {n / raw_cpu:8.0f} ev/CPU-s")
    print(f"chassis consumer group (no-op)     {n / our_wall:8.0f} ev/s   {n / our_cpu:8.0f} ev/CPU-s")
    print(f"ratio chassis/raw                  {raw_wall / our_wall:8.2f}x        {raw_cpu / our_cpu:8.2f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = ap.parse_args()
    asyncio.run(main(args.events, args.database))
