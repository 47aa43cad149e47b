"""Three Apache Kafka brokers in one KRaft quorum (replication factor 3, min.insync.replicas 2) lose the leader
of the busiest partition to SIGKILL under a steady load of referrals through the five services as processes,
and get it back later. Every accepted referral reaches every consumer exactly once in effect, no publish is
acknowledged and then lost, and the pause in the flow is measured.

Always on an Apache Kafka cluster of its own, whatever KONTAKT_TEST_BROKER says (Tansu has no replication).
"""
from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from contracts.intake import CASES_TOPIC
from contracts.topics import ALL_TOPICS, PARTITIONS
from kontakt.apache_kafka import ApacheKafkaCluster
from kontakt.broker import free_port, read_all
from kontakt.client import personnummer
from kontakt.system import SERVICES, System
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer
from services.chassis.topics import ensure_topics
from tests.faults.harness import report

pytestmark = pytest.mark.broker

# the consumer groups that apply a ReferralReceived (each in its own service and database)
REFERRAL_CONSUMERS = {"triage": "triage.cases", "booking": "booking.cases", "kpi": "kpi.projections"}


def _rows(db: Path, sql: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params).all()]
    finally:
        engine.dispose()


async def _leaders(bootstrap: str) -> tuple[dict[int, int], dict[int, int]]:
    """Leader node and end offset of each partition of the cases topic."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([CASES_TOPIC])
    finally:
        await admin.close()
    leaders = {p["partition"]: p["leader"] for p in described["partitions"]}
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await reader.start()
    try:
        end = await reader.end_offsets([TopicPartition(CASES_TOPIC, p) for p in leaders])
    finally:
        await reader.stop()
    return leaders, {tp.partition: n for tp, n in end.items()}


def test_three_broker_cluster_loses_the_busiest_leader_and_nothing_accepted_is_lost_or_applied_twice(
        tmp_path: Path) -> None:
    began = time.monotonic()
    cluster = ApacheKafkaCluster(tmp_path / "cluster", 3, min_insync=2, heap="192m").start()
    data_dir = tmp_path / "system"
    system = System(data_dir=data_dir, bootstrap=cluster.bootstrap, ports={n: free_port() for n in SERVICES},
                    sink_ports=(free_port(), free_port()),
                    extra_env={"KAFKA_ENABLE_IDEMPOTENCE": "true", "KAFKA_REPLICATION_FACTOR": "3",
                               "KAFKA_MIN_INSYNC_REPLICAS": "2"})
    accepted: list[tuple[str, float]] = []
    refused: Counter[str] = Counter()
    stop = threading.Event()
    try:
        asyncio.run(ensure_topics(cluster.bootstrap, ALL_TOPICS, partitions=PARTITIONS, replication=3, min_insync=2))
        system.start()
        issuer = LocalIssuer(data_dir / "keys")
        ops = httpx.Client(base_url=f"http://127.0.0.1:{system.ports['intake']}", timeout=30,
                           headers={"Authorization": f"Bearer {issuer.token('ops')}"})

        def load() -> None:  # steady EDI referrals, about five a second
            rng = random.Random(13)
            while not stop.is_set():
                born = date(2014, 1, 1).replace(day=rng.randint(1, 28), month=rng.randint(1, 12))
                r = ops.post("/api/referrals", json={
                    "channel": "edi", "source": "healthcare", "authored_on": datetime.now(STOCKHOLM).date().isoformat(),
                    "child": {"identity_number": personnummer(born, rng, rng.random() < 0.5), "municipality": "Umeå"},
                    "contact": None, "external_ref": f"sr-{rng.getrandbits(40):010x}", "reason_codes": ["anxiety"]})
                if r.status_code == 200 or r.status_code == 201:
                    accepted.append((r.json()["case_id"], time.monotonic()))
                else:
                    refused[str(r.status_code)] += 1
                time.sleep(0.2)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(8)  # steady flow before the fault
        leaders, end = asyncio.run(_leaders(cluster.bootstrap))
        busiest = max(end, key=lambda p: end[p])
        victim = leaders[busiest]
        killed_at = time.monotonic()
        cluster.node(victim).kill()
        time.sleep(12)  # the cluster runs on two brokers: min.insync.replicas 2 still accepts writes
        cluster.node(victim).start()
        restarted_at = time.monotonic()
        time.sleep(5)
        stop.set()
        loader.join(30)
        ops.close()

        cases = [c for c, _ in accepted]
        intake_db = data_dir / "intake.db"
        referral_events: dict[str, str] = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # the outbox drains, every consumer catches up
            referral_events = {key: ev for ev, key in _rows(
                intake_db, "SELECT event_id, key FROM outbox WHERE event_type = 'ReferralReceived' "
                           "AND sent_at IS NOT NULL")}
            applied = {svc: {r[0] for r in _rows(data_dir / f"{svc}.db",
                                                  "SELECT event_id FROM inbox WHERE consumer = :g", g=group)}
                       for svc, group in REFERRAL_CONSUMERS.items()}
            ids = {referral_events.get(c) for c in cases}
            if None not in ids and all(ids <= got for got in applied.values()):
                break
            time.sleep(1)
        ids = {referral_events[c] for c in cases}  # KeyError: an accepted referral was never published
        on_topic = Counter(r.headers and dict(r.headers).get("event_id", b"").decode()  # type: ignore[attr-defined]
                           for r in asyncio.run(read_all(cluster.bootstrap.split(",")[0], CASES_TOPIC, timeout=20)))
        acked = {ev for ev, in _rows(intake_db, "SELECT event_id FROM outbox WHERE sent_at IS NOT NULL")}
        inbox = {svc: Counter(ev for ev, in _rows(data_dir / f"{svc}.db",
                                                  "SELECT event_id FROM inbox WHERE consumer = :g", g=group))
                 for svc, group in REFERRAL_CONSUMERS.items()}
        times = sorted(datetime.fromisoformat(str(t)).timestamp() for t, in _rows(
            data_dir / "triage.db", "SELECT applied_at FROM inbox WHERE consumer = 'triage.cases'"))
        pause = max((b - a for a, b in zip(times, times[1:])), default=0.0)
        duplicates = _duplicates_absorbed(system)
    finally:
        stop.set()
        system.stop()
        cluster.stop()
    report("cluster-loses-leader", brokers=3, killed_node=victim, busiest_partition=busiest,
           accepted=len(cases), refused=dict(refused), acked_publishes=len(acked),
           acked_then_lost=len(acked - set(on_topic)), duplicates_on_topic=sum(n - 1 for n in on_topic.values() if n > 1),
           applied={svc: sum(1 for ev in ids if c[ev] == 1) for svc, c in inbox.items()},
           duplicates_absorbed=duplicates, flow_pause_s=round(pause, 1), down_s=round(restarted_at - killed_at, 1),
           wall_s=round(time.monotonic() - began))
    assert len(cases) >= 40 and not refused  # a steady load, every referral accepted through the fault
    assert acked <= set(on_topic)  # no publish acknowledged and then lost
    for svc, counts in inbox.items():
        assert all(counts[ev] == 1 for ev in ids), svc  # every accepted referral applied, and once
    assert pause < 30


def _duplicates_absorbed(system: System) -> int:
    total = 0
    for name, port in system.ports.items():
        try:
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.HTTPError:
            continue
        total += sum(int(float(line.rsplit(" ", 1)[1])) for line in metrics.splitlines()
                     if line.startswith("kontakt_consumer_duplicates_total"))
    return total
