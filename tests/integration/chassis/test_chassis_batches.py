"""Consumers apply what they fetch in batches: one transaction for many events, each once, in order per case;
a bad record in a batch costs only itself."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session

from contracts.envelope import new_case_id
from contracts.intake import CaseClosed, CaseClosedPayload
from contracts.registry import dead_letter_topic
from kontakt.broker import read_all
from tests.integration.chassis.conftest import applied, closed, produce
from tests.probe_service import FAIL_CASES, Tally, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _event(case_id: str, n: int) -> CaseClosed:
    return CaseClosed.new(case_id=case_id, occurred_at=T0 + timedelta(minutes=n),
                          payload=CaseClosedPayload(reason="completed"))


def _record(ev: CaseClosed) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return ev.model_dump_json().encode(), ev.key.encode(), []


async def test_a_backlog_is_applied_in_few_transactions_each_event_once_in_order_per_case(probe_settings) -> None:  # type: ignore[no-untyped-def]
    rt = build(probe_settings())
    rt.migrate()
    cases = [new_case_id() for _ in range(40)]
    events = [_event(c, n) for n in range(5) for c in cases]  # interleaved: 5 events per case, 200 in all
    await produce(rt.settings.kafka_bootstrap_servers, *(_record(ev) for ev in events))  # a backlog before start
    commits = 0

    def count(_conn) -> None:  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1

    sa_event.listen(rt.db.engine, "commit", count)
    async with rt.lifespan(rt.app):
        await wait_until(lambda: all(applied(rt, c) == 5 for c in cases))
    with Session(rt.db.engine) as s:
        tallies = [s.get(Tally, c) for c in cases]
    assert all(t is not None and t.applied == 5 and t.out_of_order == 0 for t in tallies)
    # 200 events of ours (and whatever else the shared topic holds): far fewer transactions than events
    assert commits <= len(events) // 4, commits
    assert rt.consumers.stats.applied[rt.consumers.groups[0]] >= len(events)


async def test_a_bad_record_in_a_batch_costs_only_itself(probe_settings, kafka_bootstrap: str) -> None:  # type: ignore[no-untyped-def]
    rt = build(probe_settings())
    rt.migrate()
    group = rt.consumers.groups[0]
    good = [closed() for _ in range(20)]
    refused = closed()
    FAIL_CASES.add(refused.case_id)  # type: ignore[arg-type]
    poison = (b'{"event_type": "CaseClosed", "truncated', good[0].key.encode(), [])
    batch = [_record(ev) for ev in good[:10]] + [poison, _record(refused)] + [_record(ev) for ev in good[10:]] \
        + [_record(good[3]), _record(good[15])]  # the same events again, in the same fetch
    await produce(kafka_bootstrap, *batch)
    ours = {good[0].key.encode(), refused.key.encode()}  # the shared topic holds other tests' poison too

    async def our_letters() -> list:  # type: ignore[type-arg]
        return [r for r in await read_all(kafka_bootstrap, dead_letter_topic(group)) if r.key in ours]

    try:
        async with rt.lifespan(rt.app):
            await wait_until(lambda: all(applied(rt, ev.case_id) == 1 for ev in good))  # type: ignore[arg-type]
            deadline = asyncio.get_running_loop().time() + 60
            while len(letters := await our_letters()) < 2 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)  # nothing more arrives
            assert [applied(rt, ev.case_id) for ev in good] == [1] * 20  # type: ignore[arg-type]
            assert applied(rt, refused.case_id) == 0  # type: ignore[arg-type]
            assert rt.consumers.stats.duplicates[group] >= 2
    finally:
        FAIL_CASES.discard(refused.case_id)  # type: ignore[arg-type]
    letters = await our_letters()
    assert len(letters) == 2, [dict(r.headers)["x-dlq-reason"] for r in letters]
    reasons = {r.key: dict(r.headers)["x-dlq-reason"].decode() for r in letters}
    assert reasons[refused.key.encode()].startswith("handler failed")  # the refused event, after its retries
    assert reasons[good[0].key.encode()].startswith(("JSONDecodeError", "ValidationError", "ValueError")), reasons
