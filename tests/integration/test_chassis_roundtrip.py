"""The chassis over a real broker: outbox -> topic -> idempotent consumer; dead letters; auth."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from tests.probe_service import ProbeSettings, Tally, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker




async def test_event_written_in_outbox_reaches_consumer_once(kafka_bootstrap: str, tmp_path: Path, issuer, unique):  # type: ignore[no-untyped-def]
    settings = ProbeSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path,
                             auth_jwks_file=issuer.jwks_file)
    rt = build(settings, group=f"probe-{unique}")
    async with rt.lifespan(rt.app):
        transport = httpx.ASGITransport(app=rt.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            r = await client.post("/close", headers={"Authorization": f"Bearer {issuer.token('call_handler')}"})
            assert r.status_code == 200, r.text
            case_id = r.json()["case_id"]

            def applied():  # type: ignore[no-untyped-def]
                with Session(rt.db.engine) as s:
                    row = s.get(Tally, case_id)
                    return row and row.applied
            assert await wait_until(applied) == 1
            r = await client.post("/close", headers={"Authorization": f"Bearer {issuer.token('kpi_analyst')}"})
            assert r.status_code == 403
            r = await client.post("/close")
            assert r.status_code == 401
