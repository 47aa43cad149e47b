"""The workspace's /health/pipeline and /metrics: what operations watch of the screens staff use."""
from __future__ import annotations

from pathlib import Path

import httpx

from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings
from tests.unit.workspace.test_workspace_app import closed_port


async def test_the_pipeline_is_degraded_naming_each_service_the_screens_cannot_reach(tmp_path: Path) -> None:
    gone = f"http://127.0.0.1:{closed_port()}"
    app = build(WorkspaceSettings(data_dir=tmp_path, intake_url=gone, triage_url=gone, booking_url=gone,
                                  notifications_url=gone, kpi_url=gone, upstream_timeout_s=2))[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws") as c:
        r = await c.get("/health/pipeline")
        assert r.status_code == 503
        body = r.json()
        assert body["status"] == "degraded" and body["live_streams"] == 0
        assert sorted(reason.split(":")[0] for reason in body["reasons"]) == [
            "booking_unreachable", "intake_unreachable", "kpi_unreachable", "notifications_unreachable",
            "triage_unreachable"]
        await c.get("/signin")
        metrics = (await c.get("/metrics")).text
    assert 'handler="/signin"' in metrics and "http_requests_total" in metrics
    assert "kontakt_workspace_live_streams 0.0" in metrics
    assert 'handler="/metrics"' not in metrics
