"""Start-up time and memory of the local Apache Kafka against the embedded Tansu, in one run.

For each broker, `--runs` times: spawn the process on a fresh data directory, then measure the seconds until
it is ready (Tansu: its port answers; Apache Kafka: "Kafka Server started", after formatting its storage) and
until a first record is acknowledged (`acks=all`) on a topic created then; the resident memory (RSS) when
ready and after `--messages` 1 KiB records; and, for Apache Kafka, a restart on the kept log.

    .venv/bin/python -m bench.broker_startup [--runs 3] [--messages 5000]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

from kontakt.apache_kafka import ApacheKafka, ensure_jars
from kontakt.broker import EmbeddedBroker
from services.chassis.topics import ensure_topics


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def first_ack_and_load(bootstrap: str, messages: int, idempotent: bool) -> None:
    await ensure_topics(bootstrap, ["bench.startup"], partitions=6)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=idempotent,
                                linger_ms=5)
    await producer.start()
    try:
        await producer.send_and_wait("bench.startup", b"first", key=b"k")
        first = time.perf_counter()
        payload = b"x" * 1024
        for i in range(messages):
            await producer.send("bench.startup", payload, key=str(i % 64).encode())
        await producer.flush()
        return first  # type: ignore[return-value]
    finally:
        await producer.stop()


def measure(kind: str, messages: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    began = time.perf_counter()
    broker: ApacheKafka | EmbeddedBroker
    broker = ApacheKafka(tmp / "kafka").start() if kind == "apache" else EmbeddedBroker(log_path=tmp / "b.log").start()
    ready = time.perf_counter()
    assert broker.proc is not None
    rss_ready = rss(broker.proc.pid)
    first = asyncio.run(first_ack_and_load(broker.bootstrap, messages, idempotent=kind == "apache"))
    out = {"ready_s": ready - began, "first_ack_s": first - began,  # type: ignore[operator]
           "rss_ready_mib": rss_ready / 2**20, "rss_loaded_mib": rss(broker.proc.pid) / 2**20}
    if kind == "apache":
        assert isinstance(broker, ApacheKafka)
        broker.stop()
        again = time.perf_counter()
        broker.start()
        out["restart_on_log_s"] = time.perf_counter() - again
    broker.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    ensure_jars()
    results: dict[str, list[dict[str, float]]] = {"tansu": [], "apache": []}
    for _ in range(args.runs):  # interleaved, so a busy moment of the machine hits both
        for kind in results:
            results[kind].append(measure(kind, args.messages))
    med = {k: {m: statistics.median(r[m] for r in runs) for m in runs[0]} for k, runs in results.items()}
    print(f"broker start-up and memory, median of {args.runs} runs, {args.messages} x 1 KiB records")
    print(f"{'':22}{'Tansu':>10}{'Apache Kafka':>14}{'ratio':>8}")
    for m in ("ready_s", "first_ack_s", "rss_ready_mib", "rss_loaded_mib"):
        t, a = med["tansu"][m], med["apache"][m]
        print(f"{m:22}{t:10.2f}{a:14.2f}{a / t if t else float('inf'):8.1f}x")
    print(f"{'restart_on_log_s':22}{'-':>10}{med['apache']['restart_on_log_s']:14.2f}")


if __name__ == "__main__":
    main()
