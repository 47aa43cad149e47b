"""Per-hop latency through a chassis service (consume -> transaction + inbox -> outbox -> publish)
against the raw broker round trip, at a steady load, on the same broker in the same run.

    .venv/bin/python -m bench.hop_latency [--rate 200] [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC, CallOffered, CallPayload, CaseClosed, CaseClosedPayload
from kontakt.broker import EmbeddedBroker, create_topics
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.chassis.spec import Infra, ServiceSpec
from services.chassis.subscriptions import Subscription, on
from tests.probe_service import ProbeSettings


def answer(event: CaseClosed, uow: UnitOfWork, deps: None) -> None:
    uow.publish(CallOffered.new(occurred_at=event.occurred_at, caused_by=event,
                                payload=CallPayload(call_id=str(event.case_id), line="public_1177",
                                                    at=event.occurred_at)))


def hop_service(bootstrap: str, data_dir: Path) -> ServiceRuntime:
    """A service that answers every CaseClosed with a CallOffered, through the whole chassis."""
    settings = ProbeSettings(kafka_bootstrap_servers=bootstrap, data_dir=data_dir, kafka_session_timeout_ms=3000)
    return ServiceRuntime(ServiceSpec(title="hop", description="", infra=Infra.of(settings, []), migrations=None,
                                      deps=None, subscriptions=[Subscription("bench.hop", (CASES_TOPIC,),
                                                                             (on(CaseClosed, answer),))]))


async def listen(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    """A consumer at the end of `topic`, assigned and ready: what it reads next is what is sent from now on."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="latest", session_timeout_ms=3000, heartbeat_interval_ms=300,
                                fetch_max_wait_ms=100)  # as the chassis consumers
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await consumer.seek_to_end()
    return consumer


async def receive(consumer: AIOKafkaConsumer, sent: dict[str, float], latencies: list[float], n: int,
                  key_of: Callable[[Any], str]) -> None:
    """Append the latency (ms since `sent[key]`) of every record whose key was sent, until `n` arrived."""
    while len(latencies) < n:
        batch = await consumer.getmany(timeout_ms=100)
        now = time.perf_counter()
        for recs in batch.values():
            for rec in recs:
                t0 = sent.pop(key_of(rec), None)
                if t0 is not None:
                    latencies.append((now - t0) * 1000)


async def measure(bootstrap: str, out_topic: str, make: Callable[[], tuple[str, bytes]], in_topic: str, rate: float,
                  seconds: float, match: Callable[[Any], str]) -> list[float]:
    consumer = await listen(bootstrap, out_topic)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    sent: dict[str, float] = {}
    latencies: list[float] = []
    n = int(rate * seconds)
    rx = asyncio.create_task(receive(consumer, sent, latencies, n, match))
    start = time.perf_counter()
    for i in range(n):
        key, value = make()
        sent[key] = time.perf_counter()
        await producer.send(in_topic, value, key=key.encode())
        delay = start + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    try:
        await asyncio.wait_for(rx, timeout=60)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


async def main(rate: float, seconds: float) -> None:
    broker = EmbeddedBroker().start()
    try:
        await create_topics(broker.bootstrap, [CASES_TOPIC, TELEPHONY_TOPIC, "bench.raw"], 3)
        with tempfile.TemporaryDirectory() as tmp:
            rt = hop_service(broker.bootstrap, Path(tmp))
            async with rt.lifespan(rt.app):
                await asyncio.sleep(2)

                def make_case() -> tuple[str, bytes]:
                    case_id = new_case_id()
                    ev = CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                                        payload=CaseClosedPayload(reason="completed"))
                    return case_id, ev.model_dump_json().encode()

                hop = await measure(broker.bootstrap, TELEPHONY_TOPIC, make_case, CASES_TOPIC, rate, seconds,
                                    lambda rec: rec.key.decode())

                def make_raw() -> tuple[str, bytes]:
                    key = uuid.uuid4().hex
                    return key, b"{}"

                raw = await measure(broker.bootstrap, "bench.raw", make_raw, "bench.raw", rate, seconds,
                                    lambda rec: rec.key.decode())
    finally:
        broker.stop()
    print(f"steady load: {rate:.0f} events/s for {seconds:.0f}s ({len(hop)} events per path)")
    print(f"raw broker round trip   p50 {pct(raw, 50):7.1f} ms   p99 {pct(raw, 99):7.1f} ms")
    print(f"through a service hop   p50 {pct(hop, 50):7.1f} ms   p99 {pct(hop, 99):7.1f} ms")
    print(f"ratio service/raw       p50 {pct(hop, 50) / pct(raw, 50):7.1f}x     p99 {pct(hop, 99) / pct(raw, 99):7.1f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    asyncio.run(main(args.rate, args.seconds))
