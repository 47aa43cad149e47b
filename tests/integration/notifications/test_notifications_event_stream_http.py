"""The staff event stream over a real HTTP connection (uvicorn on a free port): resume after a reconnect."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications
from tests.unit.notifications.fakes import Gateway, SmtpServer, free_port


class Server:
    """The service's ASGI app served by uvicorn on a real socket (lifespan off: the stream needs only the database)."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="off",
                                                    log_level="warning"))

    async def __aenter__(self) -> Server:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        await self.task


async def read_events(response: httpx.Response, n: int) -> list[dict[str, str]]:
    """Parse SSE frames off the wire until `n` events arrived (keep-alive comments skipped)."""
    events: list[dict[str, str]] = []
    frame: dict[str, str] = {}
    lines: AsyncIterator[str] = response.aiter_lines()
    async for line in lines:
        if line == "":
            if "id" in frame:
                events.append(frame)
                if len(events) == n:
                    return events
            frame = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            frame[field] = value.removeprefix(" ")
    return events


@pytest.fixture
async def svc(tmp_path: Path, issuer: Any, gateway: Gateway, smtp: SmtpServer, clock: Any):  # type: ignore[no-untyped-def]
    n = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'n.db'}", gateway, smtp, clock, stream_poll_s=0.05)
    yield n
    await n.close()


async def test_stream_resumes_from_last_event_id_without_gaps_or_repeats_over_http(svc: Notifications):
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    svc.apply(ev.risk(ref.case_id, NOW))
    headers = svc.auth("clinician", unit="kc")
    async with Server(svc.app) as server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}",
                                                            timeout=10) as client:
        async with client.stream("GET", "/api/stream", headers=headers) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            first = await asyncio.wait_for(read_events(r, 2), 10)
        assert [e["event"] for e in first] == ["CaseOpened", "AppointmentBooked"]

        # while disconnected: more happens
        svc.apply(ev.cancelled(ref.case_id, NOW))
        await svc.send_due()  # the cancellation message -> NotificationSent on the stream

        async with client.stream("GET", "/api/stream", headers={**headers, "Last-Event-ID": first[-1]["id"]}) as r:
            rest = await asyncio.wait_for(read_events(r, 3), 10)
    assert [e["event"] for e in rest] == ["RiskEscalated", "AppointmentCancelled", "NotificationSent"]
    ids = [int(e["id"]) for e in first + rest]
    assert ids == list(range(ids[0], ids[0] + 5))  # consecutive: nothing skipped, nothing twice
    risk = json.loads(rest[0]["data"])
    assert risk["case_id"] == ref.case_id and risk["items"] == ["suicidal_plan"]
    assert "Anna" not in repr(first + rest) and "+4670" not in repr(first + rest)


async def test_stream_refuses_a_bad_last_event_id_and_unknown_callers(svc: Notifications):
    async with Server(svc.app) as server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}",
                                                            timeout=10) as client:
        r = await client.get("/api/stream", headers={**svc.auth("clinician"), "Last-Event-ID": "abc"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Last-Event-ID"
        r = await client.get("/api/stream")
        assert r.status_code == 401
        r = await client.get("/api/stream", headers=svc.auth("kpi_analyst"))
        assert r.status_code == 403
