"""Sustained capacity of one chassis hop (consume -> transaction + inbox -> outbox -> relay -> publish) against
raw aiokafka produce-then-consume of the same events, on the same broker in the same run.

The load steps up (each step a steady rate for --seconds); a path's capacity is the highest rate whose
p99 end-to-end latency stays under --p99-ms with every event delivered (a step over it is tried once more
before the path counts as saturated: the machine is shared and one spike should not end the ladder). Also printed: at --at events/s
(200 by default) the hop's p99 against the raw round trip's, and the process CPU time per event of
each path (the load generator and the measuring consumer are in the same process for both paths, so
the difference is what the hop itself costs). Figures swing with the machine's load: look at the ratios.

    .venv/bin/python -m bench.hop_capacity [--seconds 10] [--p99-ms 1000] [--at 200] [--max-rate 6400]
    .venv/bin/python -m bench.hop_capacity --only relay --at 800   # one path, one rate: to run under py-spy
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer

from bench.hop_latency import hop_service, listen, pct, receive
from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC, CallOffered, CallPayload, CaseClosed, CaseClosedPayload
from kontakt.broker import EmbeddedBroker, create_topics
from services.chassis.runtime import ServiceRuntime

RAW_TOPIC = "bench.capacity.raw"
TICK_S = 0.01  # the generator sends rate * TICK_S events every tick (a steady rate, not a burst per second)
GRACE_S = 3.0  # after the last send, how long the last events may take before the step counts as failed


@dataclass
class Step:
    rate: float
    sent: int
    latencies: list[float]  # ms, of the events delivered
    cpu_s: float  # process CPU time over the step

    @property
    def delivered(self) -> bool:
        return len(self.latencies) == self.sent

    def p(self, q: float) -> float:
        return pct(self.latencies, q) if self.latencies else float("inf")

    def ok(self, p99_ms: float) -> bool:
        return self.delivered and self.p(99) < p99_ms


def make_case() -> tuple[str, bytes]:
    """A CaseClosed of a new case: the event the hop consumes, and the raw path's payload too."""
    case_id = new_case_id()
    ev = CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                        payload=CaseClosedPayload(reason="completed"))
    return case_id, ev.model_dump_json().encode()


def outbox_writer(rt: ServiceRuntime) -> Callable[[list[str]], None]:
    """The relay path's source: the events of one tick committed in one unit of work in the service's own
    database (one transaction per event would measure the database, not the relay); the relay publishes
    the rows to the hop's output topic."""
    def commit(case_ids: list[str]) -> None:
        with rt.db.uow() as uow:
            at = datetime.now(UTC)
            uow.publish(*(CallOffered.new(occurred_at=at, payload=CallPayload(call_id=case_id, line="public_1177",
                                                                              at=at)) for case_id in case_ids))
            uow.commit()
    return commit


async def step(bootstrap: str, in_topic: str | Callable[[list[str]], None], out_topic: str, rate: float,
               seconds: float) -> Step:
    """`in_topic`: a topic to produce the events to, or a function that commits them to an outbox."""
    consumer = await listen(bootstrap, out_topic)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    sent: dict[str, float] = {}
    latencies: list[float] = []
    n = int(rate * seconds)
    cpu0 = time.process_time()
    rx = asyncio.create_task(receive(consumer, sent, latencies, n, lambda rec: rec.key.decode()))
    start = time.perf_counter()
    i = 0
    try:
        while i < n:
            due = min(n, int((time.perf_counter() - start) * rate) + 1)
            keys = []
            while i < due:
                key, value = make_case()
                sent[key] = time.perf_counter()
                if isinstance(in_topic, str):
                    await producer.send(in_topic, value, key=key.encode())  # acknowledged in the background
                keys.append(key)
                i += 1
            if keys and not isinstance(in_topic, str):
                await asyncio.to_thread(in_topic, keys)
            await asyncio.sleep(TICK_S)
        try:
            await asyncio.wait_for(rx, timeout=GRACE_S)
        except TimeoutError:
            pass  # not all delivered in time: the step fails
    finally:
        rx.cancel()
        cpu = time.process_time() - cpu0
        await producer.stop()
        await consumer.stop()
    return Step(rate, n, latencies, cpu)


async def settle(bootstrap: str, out_topic: str, quiet_s: float = 2.0, limit_s: float = 300.0) -> None:
    """Wait until the path has emptied its queue (nothing more arrives on its output for `quiet_s`): an
    overloaded step leaves events behind that would count against the next."""
    consumer = await listen(bootstrap, out_topic)
    try:
        deadline, last = time.monotonic() + limit_s, time.monotonic()
        while time.monotonic() - last < quiet_s and time.monotonic() < deadline:
            if any((await consumer.getmany(timeout_ms=200)).values()):
                last = time.monotonic()
    finally:
        await consumer.stop()


async def capacity(bootstrap: str, in_topic: str | Callable[[list[str]], None], out_topic: str, rates: list[float],
                   seconds: float, p99_ms: float, label: str) -> float:
    best = 0.0
    for rate in rates:
        for attempt in range(2):  # a step over the limit is tried once more: other work on the machine spikes
            await settle(bootstrap, out_topic)
            s = await step(bootstrap, in_topic, out_topic, rate, seconds)
            show(label, s, p99_ms)
            if s.ok(p99_ms):
                break
        if not s.ok(p99_ms):
            break
        best = rate
    return best


def rate_ladder(max_rate: float) -> list[float]:
    rates, r = [], 25.0
    while r <= max_rate:
        rates.append(r)
        r = r * 2 if r < 200 else r * 1.5
    return rates


def show(label: str, s: Step, p99_ms: float) -> None:
    print(f"  {label:5} {s.rate:6.0f}/s  delivered {len(s.latencies):6}/{s.sent:<6} p50 {s.p(50):8.1f} ms  "
          f"p99 {s.p(99):8.1f} ms  cpu {s.cpu_s / max(s.sent, 1) * 1000:5.2f} ms/event  "
          f"{'ok' if s.ok(p99_ms) else 'over'}", flush=True)


async def main(seconds: float, p99_ms: float, at: float, max_rate: float, only: str | None = None) -> None:
    rates = rate_ladder(max_rate)
    load = os.getloadavg()
    broker = EmbeddedBroker().start()
    try:
        await create_topics(broker.bootstrap, [CASES_TOPIC, TELEPHONY_TOPIC, RAW_TOPIC], 3)
        with tempfile.TemporaryDirectory() as tmp:
            rt = hop_service(broker.bootstrap, Path(tmp))
            async with rt.lifespan(rt.app):  # type: ignore[attr-defined]
                await asyncio.sleep(2)
                if only:  # one path at one rate (for a profiler)
                    source, out = {"raw": (RAW_TOPIC, RAW_TOPIC), "hop": (CASES_TOPIC, TELEPHONY_TOPIC),
                                   "relay": (outbox_writer(rt), TELEPHONY_TOPIC)}[only]
                    show(only, await step(broker.bootstrap, source, out, at, seconds), p99_ms)
                    return
                # the fixed rate first, on an empty pipeline
                r = await step(broker.bootstrap, RAW_TOPIC, RAW_TOPIC, at, seconds)
                h = await step(broker.bootstrap, CASES_TOPIC, TELEPHONY_TOPIC, at, seconds)
                await settle(broker.bootstrap, TELEPHONY_TOPIC)
                o = await step(broker.bootstrap, outbox_writer(rt), TELEPHONY_TOPIC, at, seconds)
                print(f"stepping up, {seconds:.0f}s a step, capacity = highest rate with p99 < {p99_ms:.0f} ms")
                raw_cap = await capacity(broker.bootstrap, RAW_TOPIC, RAW_TOPIC, rates, seconds, p99_ms, "raw")
                hop_cap = await capacity(broker.bootstrap, CASES_TOPIC, TELEPHONY_TOPIC, rates, seconds, p99_ms,
                                         "hop")
                # the outbox relay alone: commit -> relay -> broker -> consumer (the second half of a hop)
                relay_cap = await capacity(broker.bootstrap, outbox_writer(rt), TELEPHONY_TOPIC, rates, seconds,
                                           p99_ms, "relay")
    finally:
        broker.stop()
    end_load = os.getloadavg()
    print(f"load average at start {load[0]:.2f}, at end {end_load[0]:.2f} (2 cores)")
    top = "≥" if raw_cap == rates[-1] else " "  # the ladder's top step passed: the broker can do more
    print(f"sustained capacity      raw aiokafka {top}{raw_cap:6.0f} events/s   one hop {hop_cap:6.0f} events/s   "
          f"hop/raw {hop_cap / raw_cap * 100 if raw_cap else 0:5.1f} %  (goal >= 50 %)")
    print(f"                        outbox relay alone (commit -> consumed) {relay_cap:6.0f} events/s   "
          f"relay/raw {relay_cap / raw_cap * 100 if raw_cap else 0:5.1f} %")
    print(f"at {at:.0f} events/s         raw p50 {r.p(50):7.1f} ms p99 {r.p(99):7.1f} ms   "
          f"hop p50 {h.p(50):7.1f} ms p99 {h.p(99):7.1f} ms   hop/raw p99 {h.p(99) / r.p(99):5.1f}x  (goal <= 3x)")
    print(f"                        relay alone p50 {o.p(50):7.1f} ms p99 {o.p(99):7.1f} ms")
    print(f"process CPU per event   raw {r.cpu_s / r.sent * 1000:5.2f} ms   hop {h.cpu_s / h.sent * 1000:5.2f} ms   "
          f"(at {at:.0f} events/s; generator and measuring consumer included in both)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--p99-ms", type=float, default=1000)
    ap.add_argument("--at", type=float, default=200, help="the fixed rate of the p99 comparison")
    ap.add_argument("--max-rate", type=float, default=6400)
    ap.add_argument("--only", choices=["raw", "hop", "relay"], help="one path at --at events/s, no ladder (to profile)")
    args = ap.parse_args()
    asyncio.run(main(args.seconds, args.p99_ms, args.at, args.max_rate, args.only))
