"""A consumer SIGKILLed after its database commit and before its offset commit: every event applied once."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, CaseClosed, CaseClosedPayload
from kontakt.broker import free_port, wait_for_port
from services.chassis.db import Database
from tests.faults.harness import applied_counts, report
from tests.probe_service import ProbeBase
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[2]


def cases_on_one_partition(n: int) -> list[str]:
    """Case ids whose keys the default partitioner puts on partition 0 of a topic with 2, 3, 4, 6 or 12
    partitions (the hash is a multiple of 12): in order, each keyed by its own case as events are."""
    from aiokafka.partitioner import murmur2

    found: list[str] = []
    while len(found) < n:
        case_id = new_case_id()
        if (murmur2(case_id.encode()) & 0x7FFFFFFF) % 12 == 0:
            found.append(case_id)
    return found


def start_probe(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.faults.run_probe"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_sigkill_between_db_commit_and_offset_commit_applies_each_event_once(
        kafka_bootstrap: str, tmp_path: Path, issuer, unique):  # type: ignore[no-untyped-def]
    cases = cases_on_one_partition(6)
    db_url = f"sqlite:///{tmp_path / 'probe.db'}"
    port = free_port()
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, KONTAKT_DATA_DIR=str(tmp_path),
               AUTH_JWKS_FILE=str(issuer.jwks_file), PROBE_DATABASE_URL=db_url, PROBE_HTTP_PORT=str(port),
               PROBE_CONSUMER_GROUP_PREFIX=f"t-{unique}-")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for case_id in cases:
            ev = CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                                payload=CaseClosedPayload(reason="completed"))
            await producer.send_and_wait(CASES_TOPIC, ev.model_dump_json().encode(), key=case_id.encode())
    finally:
        await producer.stop()

    first = start_probe(dict(env, PROBE_CRASH_AFTER_COMMIT_CASE=cases[2]))
    assert first.wait(60) == -signal.SIGKILL  # killed itself right after committing case 3's transaction
    db = Database(db_url, [ProbeBase.metadata])
    assert applied_counts(db.engine, set(cases[:3])) == {c: 1 for c in cases[:3]}

    second = start_probe(env)
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        await wait_until(lambda: (x := applied_counts(db.engine, set(cases))) and len(x) == 6, timeout=60)

        def duplicates_seen() -> int:  # the batch the kill interrupted comes again (its offsets never committed)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            return sum(int(float(line.rsplit(" ", 1)[1])) for line in metrics.splitlines()
                       if line.startswith("kontakt_consumer_duplicates_total"))

        duplicates = await wait_until(duplicates_seen, timeout=60)
        await asyncio.sleep(0.5)
        counts = applied_counts(db.engine, set(cases))
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    report("sigkill-after-commit", sent=6, applied=sum(counts.values()), duplicates_absorbed=duplicates)
    assert set(counts.values()) == {1}
    assert duplicates >= 1  # case 3 came again (its offset was never committed) and changed nothing
