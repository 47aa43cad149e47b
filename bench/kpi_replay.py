"""Benchmark: `kontakt kpi replay` against a raw aiokafka consume-and-decode of the same topics.

Starts its own embedded broker, writes a synthetic history of cases and calls, then measures in
the same run (each measurement in a fresh subprocess, so its peak RSS is its own):
  baseline  - aiokafka getmany over the KPI's input topics + json.loads of every value
  baseline_fast - the same with pydantic_core.from_json, the decoder the replay uses
  replay    - services.kpi.replay.replay into a fresh SQLite store
at two history sizes, alternating them --repeat times, and prints the median events/s of each, the ratio
replay/baseline and the peak RSS of each (the replay's RSS is its largest worker's or its own).

    .venv/bin/python bench/kpi_replay.py [--cases 12000] [--sizes 4,8] [--repeat 3]
Targets (issue 7): replay >= 50,000 events/s and >= 70% of the baseline; RSS flat across sizes.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.registry import EVENT_TYPES
from contracts.topics import ALL_TOPICS
from kontakt.broker import EmbeddedBroker, create_topics


def templates() -> list[list[dict]]:
    """A few dozen case histories of different shapes (built with the contracts) to clone."""
    from datetime import timedelta

    from tests.unit.kpi.builders import CaseBuilder, at, call

    out = []
    for i in range(40):
        c = CaseBuilder()
        day = f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}"
        c.referral(at(day, 8 + i % 9), channel=("edi", "paper", "phone")[i % 3], sex=("female", "male")[i % 2])
        if i % 3 == 1:
            c.paper(day, day)
        c.advice(at(day, 9) + timedelta(days=i % 5))
        level = ("primary_care", "bup", "parenting_group")[i % 3]
        c.decided(at(day, 11) + timedelta(days=i % 5), level)
        c.booked("A-1", at(day, 11), at(day, 11) + timedelta(days=3 + i % 40), level=level)
        c.appointment("attended", "A-1", at(day, 11) + timedelta(days=3 + i % 40))
        out.append(c.events + call(f"call-{i}", [("CallOffered", at(day, 8)), ("CallAnswered", at(day, 8, 2))]))
    return out


def clone(events: list[dict], n: int) -> list[tuple[str, bytes, bytes]]:
    case_id = f"C-{n:012d}"
    out = []
    for d in events:
        d = copy.deepcopy(d)
        d["event_id"] = str(uuid.uuid4())
        if d["case_id"]:
            d["case_id"] = case_id
        else:
            d["payload"]["call_id"] = f"call-{n}"
        key = d["case_id"] or d["payload"]["call_id"]
        out.append((EVENT_TYPES[d["event_type"]].TOPIC, key.encode(), json.dumps(d).encode()))
    return out


async def produce(bootstrap: str, cases: int, offset: int) -> int:
    await create_topics(bootstrap, ALL_TOPICS)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    sent = 0
    try:
        shapes = templates()
        pending = []
        for n in range(offset, offset + cases):
            for topic, key, value in clone(shapes[n % len(shapes)], n):
                pending.append(await producer.send(topic, value, key=key))
                sent += 1
            if len(pending) > 20_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def baseline(bootstrap: str, decode=json.loads) -> dict:  # type: ignore[no-untyped-def]
    from services.chassis.topics import partitions_of
    from services.kpi.handlers import INPUT_TOPICS
    from services.kpi.replay import caught_up

    began = time.perf_counter()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=8 << 20, fetch_max_bytes=32 << 20)
    await consumer.start()
    partitions = await partitions_of(bootstrap, INPUT_TOPICS)
    tps = [TopicPartition(t, p) for t in INPUT_TOPICS for p in partitions.get(t, ())]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    n = 0
    while True:  # the same end-of-history test as the replay (see services/kpi/replay.py: caught_up)
        batch = await consumer.getmany(timeout_ms=100, max_records=20_000)
        if not batch and await caught_up(consumer, tps):
            break
        for records in batch.values():
            for r in records:
                decode(r.value)
            n += len(records)
    await consumer.stop()
    return {"events": n, "seconds": time.perf_counter() - began}


async def run_replay(bootstrap: str) -> dict:
    from services.kpi.replay import replay
    from services.kpi.settings import KpiSettings

    tmp = Path(tempfile.mkdtemp())
    stats = await replay(KpiSettings(kafka_bootstrap_servers=bootstrap, data_dir=tmp))
    return {"events": stats.events, "seconds": stats.seconds}


def child(kind: str, bootstrap: str) -> None:
    from pydantic_core import from_json

    runs = {"baseline": lambda: baseline(bootstrap), "baseline_fast": lambda: baseline(bootstrap, from_json),
            "replay": lambda: run_replay(bootstrap)}
    result = asyncio.run(runs[kind]())
    # the replay's worker processes are children: the peak is the larger of theirs and ours
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    result["peak_rss_mb"] = peak / 1024
    print(json.dumps(result))


def measure(kind: str, bootstrap: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--bootstrap", bootstrap],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=12_000, help="cases per history step (about 7 events each)")
    ap.add_argument("--sizes", default="4,8", help="history sizes, in steps of --cases (both past the first chunk)")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of each; medians are printed")
    ap.add_argument("--child")
    ap.add_argument("--bootstrap")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.bootstrap)
        return
    broker = EmbeddedBroker().start()
    try:
        written, ok, ok_fast = 0, True, True
        for step in (int(s) for s in args.sizes.split(",")):
            while written < step * args.cases:
                asyncio.run(produce(broker.bootstrap, args.cases, written))
                written += args.cases
            # alternate them, several times: the machine is shared, so single runs swing widely
            kinds = ("baseline", "baseline_fast", "replay")
            rounds = [{k: measure(k, broker.bootstrap) for k in kinds} for _ in range(args.repeat)]
            rate = {k: statistics.median(r[k]["events"] / r[k]["seconds"] for r in rounds) for k in kinds}
            rss = {k: max(r[k]["peak_rss_mb"] for r in rounds) for k in kinds}
            ratio, ratio_fast = rate["replay"] / rate["baseline"], rate["replay"] / rate["baseline_fast"]
            ok = ok and rate["replay"] >= 50_000 and ratio >= 0.7
            ok_fast = ok_fast and rate["replay"] >= 50_000 and ratio_fast >= 0.7
            print(f"history {rounds[0]['replay']['events']:>9,} events (median of {args.repeat} alternating runs)\n"
                  f"  baseline aiokafka + json.loads            {rate['baseline']:>9,.0f} ev/s  peak RSS {rss['baseline']:.0f} MB\n"
                  f"  baseline aiokafka + pydantic_core.from_json {rate['baseline_fast']:>7,.0f} ev/s  peak RSS {rss['baseline_fast']:.0f} MB\n"
                  f"  kontakt kpi replay                        {rate['replay']:>9,.0f} ev/s  peak RSS {rss['replay']:.0f} MB\n"
                  f"  ratio replay/baseline {ratio:.0%}   replay/fast-decode baseline {ratio_fast:.0%}", flush=True)
        print(("targets met" if ok else "targets NOT met") + " against the json.loads baseline; "
              + ("met" if ok_fast else "NOT met") + " against the fast-decode baseline "
              "(>= 50,000 events/s and >= 70% of the baseline)")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
