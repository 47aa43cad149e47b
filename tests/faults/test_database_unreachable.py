"""PostgreSQL unreachable for a while: requests answer a clear 503; consumers pause and resume without skipping."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, CaseClosed, CaseClosedPayload
from tests.faults.harness import applied_counts, report
from tests.faults.proxy import TcpProxy
from tests.probe_service import ProbeSettings, build
from tests.waiting import wait_until

pytestmark = [pytest.mark.broker, pytest.mark.postgres]


async def test_database_outage_gives_503_and_consumer_resumes_without_skipping(
        kafka_bootstrap: str, pg_url: str, tmp_path: Path, issuer, unique):  # type: ignore[no-untyped-def]
    proxy = TcpProxy(5432).start()
    db_name = pg_url.rsplit("/", 1)[1]
    settings = ProbeSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path,
                             database_url=f"postgresql://postgres@127.0.0.1:{proxy.port}/{db_name}",
                             auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-",
                             consumer_backoff_base_s=0.05, consumer_backoff_max_s=0.5)
    rt = build(settings)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with rt.lifespan(rt.app):
            headers = {"Authorization": f"Bearer {issuer.token('call_handler')}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=rt.app), base_url="http://p") as c:
                first = (await c.post("/close", headers=headers)).json()["case_id"]
                await wait_until(lambda: applied_counts(rt.db.engine, {first}))

                proxy.cut()
                r = await c.post("/close", headers=headers)
                assert r.status_code == 503
                assert r.json()["errors"][0]["en"].startswith("The database is unreachable")
                assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 503
                assert r.headers["retry-after"] == "5"

                cases = [new_case_id() for _ in range(5)]
                for case_id in cases:
                    ev = CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                                        payload=CaseClosedPayload(reason="completed"))
                    await producer.send_and_wait(CASES_TOPIC, ev.model_dump_json().encode(), key=case_id.encode(),
                                                 headers=[("event_type", b"CaseClosed")])
                await asyncio.sleep(2.0)
                ready = await c.get("/health/ready")
                assert ready.status_code == 503  # the database check fails while it is away
                waits = sum(rt.consumers.stats.db_waits.values())
                assert waits > 0  # the consumer is holding the message, not skipping or dead-lettering it

                proxy.restore()
                counts = await wait_until(lambda: (x := applied_counts(rt.db.engine, set(cases))) and len(x) == 5 and x,
                                          timeout=60)
        report("db-cut", sent=5, applied=sum(counts.values()), db_waits=waits,
               dead_lettered=sum(rt.consumers.stats.dead_lettered.values()))
        assert set(counts.values()) == {1}
        assert sum(rt.consumers.stats.dead_lettered.values()) == 0
    finally:
        await producer.stop()
        proxy.stop()


