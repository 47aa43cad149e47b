"""The embedded broker killed and restarted empty under the five running services, mid-load: they notice
(a new cluster id), re-make their topics with six partitions, re-publish their outboxes and read again from
the start; every referral accepted before, during and after reaches every consumer once."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import date

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import create_engine, text

from contracts.topics import ALL_TOPICS, PARTITIONS
from kontakt.broker import EmbeddedBroker
from services.chassis.broker_watch import partition_counts
from tests.faults.harness import report
from tests.system.conftest import GROUPS, Five
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
REFERRAL_GROUPS = ["triage.cases", "booking.cases", "kpi.projections", "notifications.contacts"]


def child(i: int) -> dict[str, str]:
    from tests.unit.intake.helpers import pnr

    return {"identity_number": pnr(date(2012, 1 + i % 12, 1 + i % 28), serial=100 + i), "municipality": "Lycksele"}


class Load:
    """Referrals posted to intake one after another (as a partner system would) until stopped."""

    def __init__(self, five: Five) -> None:
        token = five.issuer.token("ops")
        self.client = httpx.Client(base_url=five.url("intake"), headers={"Authorization": f"Bearer {token}"},
                                   timeout=30)
        self.accepted: list[str] = []
        self.refused: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set() and i < 400:
            r = self.client.post("/api/referrals", json={
                "channel": "edi", "source": "healthcare", "child": child(i), "contact": None,
                "authored_on": "2026-11-20", "external_ref": f"sr-{uuid.uuid4().hex[:10]}", "reason_codes": []})
            (self.accepted.append(r.json()["case_id"]) if r.status_code == 201 else self.refused.append(r.status_code))
            i += 1
            time.sleep(0.1)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(60)
        self.client.close()


STATE = {  # what each service keeps per case, by the case id
    "triage cases": ("triage", "SELECT case_id, count(*) FROM triage_case GROUP BY case_id"),
    "booking cases": ("booking", "SELECT case_id, count(*) FROM booking_cases GROUP BY case_id"),
    "kpi case facts": ("kpi", "SELECT case_id, count(*) FROM kpi_case_facts GROUP BY case_id"),
    "kpi deviations": ("kpi", "SELECT case_id, count(*) FROM kpi_deviation GROUP BY case_id"),
    "notifications messages": ("notifications", "SELECT key, count(*) FROM outbox GROUP BY key"),
}


def per_case(five: Five, service: str, sql: str, cases: set[str]) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{five.data_dir / f'{service}.db'}")
    try:
        with engine.connect() as conn:
            return {c: n for c, n in conn.execute(text(sql)).all() if c in cases}
    finally:
        engine.dispose()


def referral_events(five: Five) -> dict[str, str]:
    """case id -> event id of intake's ReferralReceived events (its outbox: what it accepted)."""
    engine = create_engine(f"sqlite:///{five.data_dir / 'intake.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT key, event_id FROM outbox WHERE event_type = 'ReferralReceived'")).all()
    finally:
        engine.dispose()
    return {k: e for k, e in rows}


async def test_broker_restarted_empty_under_running_services_loses_nothing_and_doubles_nothing(five: Five) -> None:
    system = five.system
    assert system.broker is not None  # the embedded Tansu, not an external broker
    with Load(five) as load:
        await wait_until(lambda: len(load.accepted) >= 10)
        old_cluster = system.broker.cluster_id
        system.broker.proc.kill()  # type: ignore[union-attr]  # SIGKILL: everything in its memory is gone
        system.broker.proc.wait()  # type: ignore[union-attr]
        accepted_before = len(load.accepted)
        await asyncio.sleep(2)  # referrals go on being accepted into intake's outbox meanwhile
        restarted = time.monotonic()
        system.broker = EmbeddedBroker(system.broker_port, log_path=five.data_dir / "broker.log").start()
        assert system.broker.cluster_id != old_cluster
        await asyncio.sleep(6)
        accepted_after_restart = len(load.accepted)
    cases = set(load.accepted)
    assert not load.refused, load.refused  # the API kept accepting through the outage

    def all_reached() -> bool:
        events = referral_events(five)
        ids = {events[c] for c in cases if c in events}
        return len(ids) == len(cases) and all(
            len(five.applied(GROUPS[g][0], g, ids)) == len(ids) for g in REFERRAL_GROUPS)

    await wait_until(all_reached, timeout=120)
    flowing_after = time.monotonic() - restarted

    events = referral_events(five)
    ids = {events[c] for c in cases}
    for group in REFERRAL_GROUPS:  # each applied once (the inbox's key), nothing missing
        assert five.applied(GROUPS[group][0], group, ids) == dict.fromkeys(ids, 1), group
    # nothing doubled in what the services made of them: one row per case in each one's state, one
    # deviation per case, and notifications' messages per case all alike
    def settled() -> bool:  # what follows from the referrals (deviations, messages) has been made for every case
        msgs = per_case(five, *STATE["notifications messages"], cases)
        return len(per_case(five, *STATE["kpi deviations"], cases)) == len(cases) == len(msgs) \
            and len(set(msgs.values())) == 1  # a doubled case would never settle

    await wait_until(settled, timeout=60)
    state = {name: per_case(five, db, sql, cases) for name, (db, sql) in STATE.items()}
    messages = state.pop("notifications messages")
    doubled = {name: sum(n - 1 for n in counts.values() if n > 1) for name, counts in state.items()}
    per_referral = min(messages.values())  # every case gets the same messages; a repeat would add to one
    doubled["notifications messages"] = sum(n - per_referral for n in messages.values())
    missing = {name: len(cases - set(counts)) for name, counts in state.items()}
    assert doubled == dict.fromkeys(doubled, 0) and missing == dict.fromkeys(missing, 0), (doubled, missing)
    admin = AIOKafkaAdminClient(bootstrap_servers=system.bootstrap)
    await admin.start()
    try:
        counts = await partition_counts(admin, ALL_TOPICS)
    finally:
        await admin.close()
    assert counts == dict.fromkeys(ALL_TOPICS, PARTITIONS), counts  # re-made with six partitions, not the default
    duplicates = sum(v for s in ("triage", "booking", "kpi", "notifications")
                     for v in five.metric(s, "kontakt_consumer_duplicates_total").values())
    healthy = {s: httpx.get(f"{five.url(s)}/health/ready", timeout=10).status_code for s in system.ports}
    assert set(healthy.values()) == {200}, healthy
    report("broker forgets", referrals_accepted=len(cases), before_kill=accepted_before,
           during_outage_and_after=len(cases) - accepted_before, by_restart_plus_6s=accepted_after_restart,
           reached_every_group=len(ids), lost=len(cases) - len(ids), doubled=sum(doubled.values()),
           messages_per_referral=per_referral, duplicates_absorbed=int(duplicates),
           seconds_until_flowing_again=round(flowing_after, 1), partitions=PARTITIONS)
