"""Re-driving dead letters is read-process-write without a database, so it runs in Kafka transactions: a
re-drive SIGKILLed mid-transaction leaves nothing a `read_committed` consumer (every service consumer) can see,
and the next run sends each dead letter back exactly once.

Needs Apache Kafka (transactions): the session's broker when it is one, else one of its own.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner

from contracts.intake import CASES_TOPIC
from contracts.registry import dead_letter_topic
from kontakt.broker import read_all
from kontakt.cli import app
from kontakt.dlq import redrive_group
from services.chassis.lag import committed_offsets, consumer_lag
from services.chassis.topics import ensure_topics
from tests.faults.harness import applied_counts, report
from tests.integration.chassis.conftest import FAST, closed
from tests.probe_service import ProbeSettings, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[2]


def run_redrive(bootstrap: str, group: str, crash_after: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REDRIVE_CRASH_AFTER=str(crash_after))
    return subprocess.run([sys.executable, "-m", "tests.faults.run_redrive", bootstrap, group], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _dlq_partitions(group: str) -> list[TopicPartition]:
    return [TopicPartition(dead_letter_topic(group), p) for p in range(6)]


async def ours(bootstrap: str, cases: set[str], isolation: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for r in await read_all(bootstrap, CASES_TOPIC, timeout=10, isolation_level=isolation):
        case = json.loads(r.value).get("case_id") if r.value else None  # type: ignore[attr-defined]
        if case in cases:
            found[case] += 1
    return found


async def test_redrive_killed_mid_transaction_shows_nothing_to_read_committed_and_rerun_sends_each_once(
        apache_bootstrap: str, tmp_path: Path, issuer, unique: str) -> None:  # type: ignore[no-untyped-def]
    b = apache_bootstrap
    group = f"t-{unique}-probe-consumer"  # the probe's group: its dead letters go back to intake.cases.v1
    await ensure_topics(b, [CASES_TOPIC, dead_letter_topic(group)], partitions=6)
    letters = [closed() for _ in range(12)]
    cases = {ev.case_id for ev in letters}
    producer = AIOKafkaProducer(bootstrap_servers=b, acks="all", enable_idempotence=True)
    await producer.start()
    try:  # dead letters as the chassis writes them: original bytes, key and headers plus the x-dlq-* facts
        for ev in letters:
            await producer.send_and_wait(dead_letter_topic(group), ev.model_dump_json().encode(),
                                         key=ev.case_id.encode(), headers=[
                ("event_type", b"CaseClosed"), ("x-dlq-reason", b"handler failed 5 times: RuntimeError"),
                ("x-dlq-original-topic", CASES_TOPIC.encode()), ("x-dlq-attempts", b"5")])
    finally:
        await producer.stop()

    # the consumer that dead-lettered them, now fixed, reads its topic as every service does (read_committed)
    rt = build(ProbeSettings(kafka_bootstrap_servers=b, data_dir=tmp_path, auth_jwks_file=issuer.jwks_file,
                             consumer_group_prefix=f"t-{unique}-", kafka_idempotence=True, **FAST))
    async with rt.lifespan(rt.app):
        warm = closed()  # the probe has read the topic up to here before the re-drive starts
        with rt.db.uow() as uow:
            uow.publish(warm)
            uow.commit()
        await wait_until(lambda: applied_counts(rt.db.engine, {warm.case_id}), timeout=120)  # type: ignore[arg-type]
        crashed = await asyncio.to_thread(run_redrive, b, group, 5)
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
        # the re-drive commits a transaction per fetched batch: those before the crash are done, the open one not
        done_before = sum((await committed_offsets(b, redrive_group(group), _dlq_partitions(group))).values())
        uncommitted = await ours(b, cases, "read_uncommitted")
        committed = await ours(b, cases, "read_committed")
        await wait_until(lambda: len(applied_counts(rt.db.engine, cases)) >= done_before)
        await asyncio.sleep(3)  # time enough for the probe to apply the open transaction's records, were they visible
        applied_after_crash = len(applied_counts(rt.db.engine, cases))
        assert sum(uncommitted.values()) == 5  # five records are on the log ...
        assert done_before < 5  # ... at least one of them in the transaction the crash left open
        # ... and a read_committed reader, the probe included, sees only those of committed transactions
        assert sum(committed.values()) == done_before and applied_after_crash == done_before

        rerun = await asyncio.to_thread(run_redrive, b, group)  # fences the dead transaction (aborted) and starts from the committed offsets
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        counts = await wait_until(lambda: (x := applied_counts(rt.db.engine, cases)) and len(x) == 12 and x)
        after_committed = await ours(b, cases, "read_committed")
        after_uncommitted = await ours(b, cases, "read_uncommitted")
    again = await asyncio.to_thread(CliRunner().invoke, app, ["dlq", "redrive", group, "--bootstrap", b])  # the CLI
    lag = await consumer_lag(b, redrive_group(group), [dead_letter_topic(group)])
    report("dlq-redrive-crash", dead_letters=12, sent_before_crash=sum(uncommitted.values()),
           committed_before_crash=done_before,
           visible_read_committed_after_crash=sum(committed.values()), applied_after_crash=applied_after_crash, rerun_sent=rerun.stdout.split()[0],
           on_topic_read_committed=sum(after_committed.values()),
           on_topic_read_uncommitted=sum(after_uncommitted.values()), applied=sum(counts.values()),
           third_run=again.output.strip(), redrive_lag=sum(lag.values()))
    assert after_committed == Counter({c: 1 for c in cases})  # each dead letter back exactly once
    assert sum(after_uncommitted.values()) == 12 + 5 - done_before  # the aborted stay on the log, marked aborted
    assert set(counts.values()) == {1}
    assert int(rerun.stdout.split()[0]) == 12 - done_before  # the rest, once
    assert again.exit_code == 0 and again.output.startswith(f"re-drove 0 dead letters of {group}")  # none twice
    assert sum(lag.values()) == 0
