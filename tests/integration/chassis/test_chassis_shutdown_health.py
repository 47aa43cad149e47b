"""Graceful shutdown of a service process, and readiness that notices a stalled consumer."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.intake import CASES_TOPIC
from kontakt.broker import free_port
from services.chassis.db import Database
from tests.integration.chassis.conftest import applied, closed, produce
from tests.probe_service import SLOW, STARTED, ProbeBase, Tally, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[3]


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _start_probe(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "tests.probe_service"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _tally(db: Database, case_id: str) -> int:
    from sqlmodel import Session

    with Session(db.engine) as s:
        row = s.get(Tally, case_id)
        return row.applied if row else 0


async def test_sigterm_mid_handler_finishes_and_commits_the_message_and_a_restart_applies_nothing_twice(
        kafka_bootstrap: str, tmp_path: Path, issuer, unique: str) -> None:  # type: ignore[no-untyped-def]
    slow = closed()
    after = closed(slow.case_id)  # the case's next event: same key, same partition
    group = f"t-{unique}-probe-consumer"
    started = tmp_path / "started.txt"
    db_url = f"sqlite:///{tmp_path / 'probe.db'}"
    port = free_port()
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, KONTAKT_DATA_DIR=str(tmp_path),
               AUTH_JWKS_FILE=str(issuer.jwks_file), PROBE_DATABASE_URL=db_url, PROBE_HTTP_PORT=str(port),
               PROBE_CONSUMER_GROUP_PREFIX=f"t-{unique}-", PROBE_STARTED_FILE=str(started),
               PROBE_SLOW=f"{slow.case_id}=2.0")
    proc = _start_probe(env, tmp_path / "probe.log")
    try:
        await wait_until(lambda: _ready(port), timeout=60)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        await producer.start()
        try:
            sent = await producer.send_and_wait(CASES_TOPIC, slow.model_dump_json().encode(),
                                                key=slow.case_id.encode())  # type: ignore[union-attr]
            await wait_until(lambda: started.exists() and slow.case_id in started.read_text())
            proc.send_signal(signal.SIGTERM)  # while the handler sleeps
            await wait_until(lambda: proc.poll() is not None, timeout=45)
            # uvicorn re-raises the captured SIGTERM once its shutdown is done, so -SIGTERM is a clean exit too
            assert proc.returncode in (0, -signal.SIGTERM)
            assert '"msg": "intake stopped"' in (tmp_path / "probe.log").read_text()
            # the next event on the same partition arrives while the service is down
            await producer.send_and_wait(CASES_TOPIC, after.model_dump_json().encode(),
                                         key=slow.case_id.encode())  # type: ignore[union-attr]
        finally:
            await producer.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    db = Database(db_url, [ProbeBase.metadata])
    assert _tally(db, slow.case_id) == 1  # type: ignore[arg-type]  # the in-flight message completed
    offsets = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await offsets.start()
    try:
        tp = TopicPartition(CASES_TOPIC, sent.partition)
        assert await offsets.committed(tp) == sent.offset + 1  # ... and its offset was committed
    finally:
        await offsets.stop()

    restarted = _start_probe(dict(env, PROBE_SLOW=""), tmp_path / "probe.log")
    try:
        await wait_until(lambda: _tally(db, after.case_id) >= 2, timeout=60)  # type: ignore[arg-type]
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(45)
    assert _tally(db, slow.case_id) == 2  # type: ignore[arg-type]  # the slow one once, the next one once


async def test_readiness_reports_a_consumer_stuck_in_a_handler_and_recovers(
        probe_settings, kafka_bootstrap: str, issuer) -> None:  # type: ignore[no-untyped-def]
    rt = build(probe_settings(stall_after_s=0.3))
    stuck = closed()
    SLOW[stuck.case_id] = 2.0  # type: ignore[index]
    try:
        async with rt.lifespan(rt.app):
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=rt.app), base_url="http://probe")
            assert (await client.get("/health/ready")).status_code == 200
            await produce(kafka_bootstrap, (stuck.model_dump_json().encode(), stuck.case_id.encode(), []))  # type: ignore[union-attr]
            await wait_until(lambda: stuck.case_id in STARTED)
            await wait_until(lambda: not rt.readiness()[0], interval=0.05)  # stuck longer than stall_after_s
            response = await client.get("/health/ready", headers={"Authorization": f"Bearer {issuer.token('ops')}"})
            assert response.status_code == 503
            assert response.json()["stalled_consumers"] == [rt.consumers.groups[0]]  # group names: to ops only
            public = await client.get("/health/ready")
            assert public.status_code == 503 and "stalled_consumers" not in public.json()
            assert (await client.get("/health/live")).status_code == 200  # alive, only not ready
            await wait_until(lambda: applied(rt, stuck.case_id) == 1)  # type: ignore[arg-type]
            assert (await client.get("/health/ready")).status_code == 200
    finally:
        SLOW.pop(stuck.case_id, None)  # type: ignore[arg-type]
