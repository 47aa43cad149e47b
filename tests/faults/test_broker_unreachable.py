"""The broker unreachable for a while: HTTP still accepts into the outbox; all flows once when it returns."""
from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from kontakt.broker import free_port
from tests.faults.harness import applied_counts, report, topic_counts
from tests.faults.proxy import TcpProxy
from tests.probe_service import ProbeSettings, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def test_referrals_accepted_while_broker_is_cut_flow_exactly_once_after(tmp_path: Path, issuer, unique,
                                                                              own_broker):  # type: ignore[no-untyped-def]
    broker_port = free_port()
    proxy = TcpProxy(broker_port).start()
    broker = own_broker(advertised_port=proxy.port, port=broker_port)
    settings = ProbeSettings(kafka_bootstrap_servers=f"127.0.0.1:{proxy.port}", data_dir=tmp_path,
                             auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-")
    rt = build(settings)
    try:
        async with rt.lifespan(rt.app):
            headers = {"Authorization": f"Bearer {issuer.token('call_handler')}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=rt.app), base_url="http://p") as c:
                before = {(await c.post("/close", headers=headers)).json()["case_id"] for _ in range(3)}
                await wait_until(lambda: len(applied_counts(rt.db.engine, before)) == 3)

                proxy.cut()
                during = set()
                for _ in range(10):
                    r = await c.post("/close", headers=headers)
                    assert r.status_code == 200, r.text  # accepted into the outbox while the broker is away
                    during.add(r.json()["case_id"])
                await asyncio.sleep(2.0)
                assert not applied_counts(rt.db.engine, during)  # nothing could flow yet
                proxy.restore()

                ours = before | during
                counts = await wait_until(lambda: (c := applied_counts(rt.db.engine, ours)) and len(c) == 13 and c,
                                          timeout=60)
                on_topic = await topic_counts(broker.bootstrap, ours)
        report("broker-cut", sent=13, applied=sum(counts.values()), on_topic=sum(on_topic.values()),
               duplicates_on_topic=sum(n - 1 for n in on_topic.values()),
               duplicates_absorbed=sum(rt.consumers.stats.duplicates.values()),
               dead_lettered=sum(rt.consumers.stats.dead_lettered.values()))
        assert set(counts.values()) == {1}
        assert len(on_topic) == 13 and max(on_topic.values()) == 1  # nothing lost, nothing published twice
    finally:
        broker.stop()
        proxy.stop()
