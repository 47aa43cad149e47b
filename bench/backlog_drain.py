"""Backlog drain: the kpi service stopped for a simulated hour of the national peak, then started again.

The kpi service runs as its own process (`python -m services.kpi`, as `kontakt up` starts it) on the embedded
broker. It first consumes a warm-up minute and is stopped (SIGTERM); then an hour of the national peak
(docs/scaling.md: about 80 events/s, so 288,000 events; `--minutes` scales it) is produced into its input
topics, the event mix of bench/kpi_stream.py. Then the service is started again, and the bench prints:
  ready       - from the start of the process to /health/ready
  lag zero    - until the consumer group's committed offsets reach the end of every input partition
                (the offsets the producer was acknowledged, not the broker's high watermark)
  KPI agrees  - until the service's stored facts of every case and call equal a `kontakt kpi replay`-style
                fold (the replay's own Folder) of the same events, and so do the figures computed from them
and the service process's CPU seconds for the drain. The service's clock is set (KONTAKT_CLOCK_FILE) to the
day after the last event.

    .venv/bin/python -m bench.backlog_drain [--minutes 60] [--rate 80] [--profile drain.txt]
Goal (issue 16): an hour's backlog drained in under two minutes.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer, TopicPartition
from sqlalchemy import Text, cast
from sqlalchemy import select as sa_select
from sqlmodel import Session

from bench.kpi_stream import Record, stream
from kontakt.broker import free_port
from kontakt.system import System
from services.chassis.db import Database
from services.chassis.lag import committed_offsets
from services.kpi.batch import Folder
from services.kpi.domain.figures import Dataset, Query, compute
from services.kpi.rules import load_definitions
from services.kpi.store.tables import CallFactsRow, CaseFactsRow, metadata

GROUP = "kpi.projections"
CASES_PER_CHUNK = 2_000  # produced (and folded for the reference) a chunk at a time: memory stays small


def load(s: float) -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" (at {s:.0f} s)"


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def produce(bootstrap: str, records: list[Record], ends: dict[TopicPartition, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        pending = [await producer.send(topic, value, key=key) for topic, key, value in records]
        for meta in await asyncio.gather(*pending):
            tp = TopicPartition(meta.topic, meta.partition)
            ends[tp] = max(ends.get(tp, 0), meta.offset + 1)
    finally:
        await producer.stop()


async def lag(bootstrap: str, ends: dict[TopicPartition, int]) -> int:
    """Records the group has not committed yet, to the offsets the producer was acknowledged."""
    committed = await committed_offsets(bootstrap, GROUP, list(ends))
    return sum(max(end - committed.get(tp, 0), 0) for tp, end in ends.items())


def stored(db: Database) -> tuple[dict[str, Any], dict[str, Any]]:
    from pydantic_core import from_json

    out = []
    with Session(db.engine) as s:
        for model, key in ((CaseFactsRow, "case_id"), (CallFactsRow, "call_id")):
            t = model.__table__  # type: ignore[attr-defined]
            out.append({k: from_json(f) for k, f in s.execute(sa_select(t.c[key], cast(t.c.facts, Text)))})
    return out[0], out[1]


def figures(cases: dict[str, Any], calls: dict[str, Any], today: date) -> dict[str, Any]:
    """Every figure, by month, over the stream's months (what the dashboard's requests compute)."""
    from services.kpi.domain.figures import FIGURES

    data = Dataset(cases.items(), calls.items(), load_definitions())
    q = Query(date(2023, 1, 1), date(2024, 3, 31), today, "month")
    return {name: compute(data, q, name).rows() for name in FIGURES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60, help="minutes of the national peak to leave unread")
    ap.add_argument("--rate", type=float, default=80, help="events per second at the national peak")
    ap.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds of draining")
    ap.add_argument("--profile", type=Path, help="record the service with py-spy during the drain (raw stacks)")
    args = ap.parse_args()
    target = int(args.minutes * 60 * args.rate)
    with tempfile.TemporaryDirectory() as tmp:
        system = System(data_dir=Path(tmp), broker_port=free_port(), ports={"kpi": free_port()}, services=["kpi"])
        try:
            asyncio.run(run(system, Path(tmp), target, args))
        finally:
            system.stop()


async def run(system: System, tmp: Path, target: int, args: argparse.Namespace) -> None:
    bootstrap = await asyncio.to_thread(system.start_broker)
    warm = stream(60, seed=1, first=10_000_000)  # a warm-up minute's cases, ids apart from the hour's
    chunk, first = 0, 0
    folder = Folder()
    ends: dict[TopicPartition, int] = {}
    # the service's clock: the day after the last event of the history
    last = datetime(2024, 3, 1, tzinfo=UTC)
    (tmp / "clock.json").write_text(json.dumps({"offset_s": (last - datetime.now(UTC)).total_seconds()}))

    system.start_service("kpi")
    await asyncio.to_thread(system.wait_ready, ["kpi"], 180)
    await produce(bootstrap, warm, ends)
    for r in warm:
        folder.add(r[2])
    while await lag(bootstrap, ends) > 0:
        await asyncio.sleep(0.5)
    system.stop_service("kpi")
    print(f"warm-up: {len(warm):,} events consumed, service stopped", flush=True)

    began = time.monotonic()
    produced = len(warm)
    while produced - len(warm) < target:
        records = stream(CASES_PER_CHUNK, seed=100 + chunk, first=first)[:target - (produced - len(warm))]
        await produce(bootstrap, records, ends)
        for r in records:
            folder.add(r[2])
        produced += len(records)
        first += CASES_PER_CHUNK
        chunk += 1
    backlog = await lag(bootstrap, ends)
    print(f"backlog: {backlog:,} events ({args.minutes:g} min at {args.rate:g} events/s) produced in "
          f"{time.monotonic() - began:.0f} s while the service was stopped", flush=True)
    today = date(2024, 3, 1)
    want = figures(folder.cases, folder.calls, today)
    db = Database(f"sqlite:///{(tmp / 'kpi.db').resolve()}", [metadata])

    print(f"starting the kpi service again; load average {load(0)}", flush=True)
    t0 = time.monotonic()
    proc = system.start_service("kpi")
    spy = None
    if args.profile:  # py-spy (pip install py-spy) samples the service process from outside
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(proc.pid), "-r", "100",
                                "--format", "raw", "-o", str(args.profile)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    cpu0 = 0.0
    ready = lag_zero = agrees = None
    samples = []
    while time.monotonic() - t0 < args.timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"kpi exited with {proc.returncode}; see {tmp}/logs/kpi.log")
        now = time.monotonic() - t0
        if ready is None:
            try:
                url = f"http://127.0.0.1:{system.ports['kpi']}/health/ready"
                if (await asyncio.to_thread(httpx.get, url, timeout=1.0)).status_code == 200:
                    ready = now
                    print(f"  ready after {ready:6.1f} s", flush=True)
            except httpx.HTTPError:
                pass
        left = await lag(bootstrap, ends)
        samples.append((now, left))
        if left and int(now) // 15 > int(samples[-2][0] if len(samples) > 1 else 0) // 15:
            print(f"  {now:6.1f} s: lag {left:,}", flush=True)
        if lag_zero is None and left == 0:
            lag_zero = now
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            print(f"  lag zero after {lag_zero:6.1f} s (load average {load(now)})", flush=True)
        if lag_zero is not None:
            cases, calls = stored(db)
            if cases == folder.cases and calls == folder.calls and figures(cases, calls, today) == want:
                agrees = time.monotonic() - t0
                break
            print(f"  not yet equal at {time.monotonic() - t0:.1f} s: {len(cases):,}/{len(folder.cases):,} cases, "
                  f"{len(calls):,}/{len(folder.calls):,} calls stored", flush=True)
        await asyncio.sleep(0.5)
    cpu = cpu_s(proc.pid) - cpu0
    if agrees is None:
        raise SystemExit(f"not drained within {args.timeout:.0f} s (lag {samples[-1][1]:,} at the end)")
    rate = backlog / (lag_zero - (ready or 0)) if lag_zero and ready and lag_zero > ready else float("nan")
    print(f"  KPI agrees with the source after {agrees:6.1f} s "
          f"({len(folder.cases):,} cases, {len(folder.calls):,} calls; every figure by month equal)")
    print(f"backlog {backlog:,} events: lag zero {lag_zero:.1f} s after the restart ({rate:,.0f} events/s after ready), "
          f"KPI agrees after {agrees:.1f} s; service CPU {cpu:.1f} s ({backlog / cpu:,.0f} events per CPU-second, "
          f"start-up included); load average {load(agrees)}")
    print(f"goal: an hour's backlog drained in under two minutes: "
          f"{'met' if agrees < 120 and target >= 288_000 else 'NOT met' if target >= 288_000 else 'not measured (--minutes < 60)'}")


if __name__ == "__main__":
    main()
