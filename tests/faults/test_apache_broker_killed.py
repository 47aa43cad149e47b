"""Apache Kafka SIGKILLed under load and restarted on its log: nothing accepted is lost, nothing applied twice,
the consumer goes on from its committed offsets (no outbox re-publish: the broker kept what it acknowledged).

Always on Apache Kafka, whatever KONTAKT_TEST_BROKER says: the embedded Tansu keeps nothing on disk, so a
killed Tansu is the restart case of test_chassis_system_restart.py, healed by re-publishing outboxes.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from contracts.intake import CASES_TOPIC
from kontakt.apache_kafka import ApacheKafka
from services.chassis.topics import ensure_topics
from tests.faults.harness import applied_counts, report, topic_counts
from tests.probe_service import ProbeSettings, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def test_apache_kafka_sigkilled_under_load_loses_nothing_accepted_and_applies_each_once(
        tmp_path: Path, issuer, unique: str) -> None:  # type: ignore[no-untyped-def]
    broker = ApacheKafka(tmp_path / "kafka").start()
    await ensure_topics(broker.bootstrap, [CASES_TOPIC], partitions=6)
    settings = ProbeSettings(kafka_bootstrap_servers=broker.bootstrap, data_dir=tmp_path,
                             auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-",
                             kafka_idempotence=True, outbox_republish_on_start=False)
    rt = build(settings)
    accepted: list[str] = []
    applied_at: dict[str, float] = {}
    try:
        async with rt.lifespan(rt.app):
            headers = {"Authorization": f"Bearer {issuer.token('call_handler')}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=rt.app), base_url="http://p") as c:
                stop_load = asyncio.Event()

                async def load() -> None:  # steady referrals, 20 a second, each accepted into the outbox
                    while not stop_load.is_set():
                        r = await c.post("/close", headers=headers)
                        assert r.status_code == 200, r.text
                        accepted.append(r.json()["case_id"])
                        await asyncio.sleep(0.05)

                def watch() -> int:
                    now = time.monotonic()
                    for case in applied_counts(rt.db.engine, set(accepted)):
                        applied_at.setdefault(case, now)
                    return len(applied_at)

                loader = asyncio.create_task(load())
                await wait_until(lambda: watch() >= 30)
                group = rt.consumers.groups[0]
                processed_before_kill = _processed(rt, group)
                killed_at, before_kill = time.monotonic(), len(accepted)
                await asyncio.to_thread(broker.kill)  # SIGKILL: no flush, no controlled shutdown
                await asyncio.sleep(3.0)  # load goes on: requests are accepted into the outbox meanwhile
                accepted_while_down = len(accepted) - before_kill
                await asyncio.to_thread(broker.start)  # same ports, same log directory: log recovery
                back_at = time.monotonic()
                # flow resumed: a referral accepted after the kill is applied
                await wait_until(lambda: watch() and accepted[before_kill] in applied_at, timeout=90)
                first_after = applied_at[accepted[before_kill]]
                await asyncio.sleep(2.0)
                stop_load.set()
                await loader
                ours = set(accepted)
                counts = await wait_until(lambda: (x := applied_counts(rt.db.engine, ours)) and watch() and
                                          len(x) == len(ours) and x, timeout=90)
                await wait_until(lambda: rt.readiness()[1]["outbox_unsent"] == 0)
            on_topic = await topic_counts(broker.bootstrap, ours)
            stats = rt.consumers.stats
            records = sum(on_topic.values())
            processed = _processed(rt, group)
        report("apache-broker-sigkill", accepted=len(ours), accepted_while_down=accepted_while_down,
               applied=sum(counts.values()), records_on_topic=records,
               duplicates_on_topic=sum(n - 1 for n in on_topic.values()),
               duplicates_absorbed=sum(stats.duplicates.values()),
               redelivered=processed - records, processed_before_kill=processed_before_kill,
               broker_down_s=round(back_at - killed_at, 1), flow_paused_s=round(first_after - killed_at, 1))
        assert set(counts.values()) == {1} and len(counts) == len(ours)  # nothing lost, nothing applied twice
        assert len(on_topic) == len(ours)  # every accepted referral is on the kept log
        # the consumer went on from its committed offsets: at most the one in-flight record per partition
        # came again, not the whole log (a lost offset would replay all processed_before_kill records)
        assert 0 <= processed - records <= 6
        assert stats.dead_lettered[group] == 0
    finally:
        broker.stop()


def _processed(rt, group: str) -> int:  # type: ignore[no-untyped-def]
    st = rt.consumers.stats
    return st.applied[group] + st.duplicates[group] + st.skipped[group] + st.dead_lettered[group]
