"""/health/pipeline and /metrics tell the truth: rows that do not move, a consumer behind without progress,
and fresh dead letters each make the pipeline 'degraded' with the reason; when it flows again it says so."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.faults.harness import report
from tests.integration.chassis.conftest import applied, closed, produce
from tests.probe_service import SLOW, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def _pipeline(app, issuer) -> httpx.Response:  # type: ignore[no-untyped-def]
    """As ops see it: the reasons, lag and outbox counts come only with an ops token."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        return await c.get("/health/pipeline", headers={"Authorization": f"Bearer {issuer.token('ops')}"})


async def _metrics(app) -> str:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        return (await c.get("/metrics")).text


async def test_rows_that_wait_and_do_not_move_make_the_pipeline_degraded(probe_settings, issuer) -> None:  # type: ignore[no-untyped-def]
    # no relay runs (the service never started): rows are written and nothing sends them
    rt = build(probe_settings(relay_stall_after_s=0.2, outbox_max_age_s=0.2))
    rt.migrate()
    assert (await _pipeline(rt.app, issuer)).status_code == 200
    with rt.db.uow() as uow:
        uow.publish(closed(), closed(), closed())
        uow.commit()
    await asyncio.sleep(0.4)
    r = await _pipeline(rt.app, issuer)
    reasons = r.json()["reasons"]
    assert r.status_code == 503 and r.json()["outbox"]["waiting"] == 3
    assert any(x.startswith("relay_stalled: 3 rows wait") for x in reasons), reasons
    assert any(x.startswith("outbox_old:") for x in reasons), reasons
    metrics = await _metrics(rt.app)
    assert 'kontakt_outbox_backlog{service="intake"} 3' in metrics
    age = float(next(line for line in metrics.splitlines()
                     if line.startswith("kontakt_outbox_oldest_unsent_age_seconds")).rsplit(" ", 1)[1])
    assert age >= 0.4
    report("pipeline health: relay", waiting=3, oldest_age_s=age, status=r.status_code)


async def test_consumer_behind_without_progress_then_dead_letters_show_then_it_flows_again(
        probe_settings, kafka_bootstrap: str, unique: str, issuer) -> None:  # type: ignore[no-untyped-def]
    rt = build(probe_settings(consumer_no_progress_after_s=0.5, dead_letter_window_s=8.0))
    group = rt.consumers.groups[0]
    slow = closed()
    after = closed(slow.case_id)
    SLOW[slow.case_id] = 4.0  # type: ignore[index]
    try:
        async with rt.lifespan(rt.app):
            consumer = rt.consumers.subscribers[0][1].consumer
            await wait_until(lambda: consumer.assignment())
            await produce(kafka_bootstrap, (slow.model_dump_json().encode(), slow.case_id.encode(), []),  # type: ignore[union-attr]
                          (after.model_dump_json().encode(), slow.case_id.encode(), []))  # type: ignore[union-attr]

            async def stuck() -> httpx.Response | None:
                r = await _pipeline(rt.app, issuer)
                return r if any(x.startswith(f"consumer_stuck: {group}") for x in r.json()["reasons"]) else None

            deadline = asyncio.get_running_loop().time() + 30
            while asyncio.get_running_loop().time() < deadline:
                if (r := await stuck()) is not None:
                    break
                await asyncio.sleep(0.1)
            assert r is not None and r.status_code == 503
            lag = sum(n for k, n in r.json()["consumer_lag"].items() if k.startswith(group))
            assert lag >= 1
            metrics = await _metrics(rt.app)
            assert f'kontakt_consumer_lag{{service="intake",group="{group}"' in metrics
            await wait_until(lambda: applied(rt, slow.case_id) == 2)  # type: ignore[arg-type]

            # a poison record: dead-lettered, and the pipeline says so for dead_letter_window_s
            before = rt.consumers.stats.dead_lettered[group]  # the shared topic may hold others' poison too
            await produce(kafka_bootstrap, (b'{"not": "an event"', slow.case_id.encode(), []))  # type: ignore[union-attr]
            await wait_until(lambda: rt.consumers.stats.dead_lettered[group] > before, interval=0.02)
            reasons = (await _pipeline(rt.app, issuer)).json()["reasons"]
            assert any(x.startswith(f"dead_letters: {group}") for x in reasons), reasons
            deadline = asyncio.get_running_loop().time() + 30
            while asyncio.get_running_loop().time() < deadline:  # the window passes: flowing again
                if (r := await _pipeline(rt.app, issuer)).status_code == 200:
                    break
                await asyncio.sleep(0.2)
            assert r.status_code == 200, r.text
    finally:
        SLOW.pop(slow.case_id, None)  # type: ignore[arg-type]
    report("pipeline health: consumer", lag_seen=lag, dead_lettered=rt.consumers.stats.dead_lettered[group],
           flowing_again=True)
