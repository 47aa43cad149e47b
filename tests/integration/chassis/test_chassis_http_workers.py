"""Several uvicorn workers for one service (INTAKE_HTTP_WORKERS=2): both serve HTTP, exactly one runs the
event pipeline, so every event is published once; when that worker dies, the other takes the pipeline over.

Intake runs as `kontakt up` runs it: its own process on the embedded broker."""
from __future__ import annotations

import json
import os
import random
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import pytest

from contracts.intake import CASES_TOPIC
from kontakt.broker import free_port, read_all, run
from kontakt.client import personnummer
from kontakt.system import System
from services.chassis.issuer import LocalIssuer

pytestmark = pytest.mark.broker


def _referral(rng: random.Random) -> dict[str, object]:
    born = date(2010 + rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28))
    return {"channel": "edi", "source": "healthcare", "authored_on": "2026-11-02",
            "external_ref": f"w-{uuid.uuid4().hex[:12]}", "child": {
                "identity_number": personnummer(born, rng, rng.random() < 0.5), "municipality": "Umeå"}}


def _cases_on_topic(bootstrap: str) -> tuple[set[str], Counter[str]]:
    """(case ids opened, how often each event id was published) on the cases topic."""
    cases: set[str] = set()
    published: Counter[str] = Counter()
    for rec in run(read_all(bootstrap, CASES_TOPIC)):
        body = json.loads(rec.value)  # type: ignore[attr-defined]
        published[body["event_id"]] += 1
        if body["event_type"] == "ReferralReceived":
            cases.add(body["case_id"])
    return cases, published


def _wait_for(predicate, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not true after {timeout}s")


def test_two_http_workers_publish_each_event_once_and_the_survivor_takes_the_pipeline_over(tmp_path: Path) -> None:
    system = System(data_dir=tmp_path, broker_port=free_port(), ports={"intake": free_port()}, services=["intake"],
                    extra_env={"INTAKE_HTTP_WORKERS": "2"})
    token = LocalIssuer(tmp_path / "keys").token("ops", subject="S-TEST", ttl_s=3600)
    rng = random.Random(7)
    try:
        system.start_broker()
        system.start_service("intake")
        system.wait_ready(["intake"], timeout=120)
        url = f"http://127.0.0.1:{system.ports['intake']}"

        def post(body: dict[str, object]) -> str:
            # a new connection each time, so the kernel spreads the requests over both workers
            r = httpx.post(f"{url}/api/referrals", json=body, headers={"Authorization": f"Bearer {token}"},
                           timeout=60)
            assert r.status_code == 201, r.text
            return str(r.json()["case_id"])

        with ThreadPoolExecutor(8) as pool:
            first = set(pool.map(post, [_referral(rng) for _ in range(24)]))
        assert len(first) == 24
        bootstrap = system.bootstrap or ""
        _wait_for(lambda: first <= _cases_on_topic(bootstrap)[0])
        time.sleep(1.0)  # a second relay, if there were one, would have published its copies by now
        _, published = _cases_on_topic(bootstrap)
        assert max(published.values()) == 1, "an event was published by more than one worker"

        lease = tmp_path / "locks" / "intake.pipeline.lock"
        leader = int(lease.read_text())
        assert leader != system.procs["intake"].pid  # a worker holds it, not the supervisor
        os.kill(leader, signal.SIGKILL)
        # the other worker takes the lease (the supervisor also starts a fresh worker in the dead one's place)
        _wait_for(lambda: lease.read_text().strip() not in ("", str(leader)))

        with ThreadPoolExecutor(8) as pool:
            later = set(pool.map(post, [_referral(rng) for _ in range(8)]))
        _wait_for(lambda: later <= _cases_on_topic(bootstrap)[0])
    finally:
        system.stop()
