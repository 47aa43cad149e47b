"""The workspace's operations endpoints: /health/pipeline (do the services behind the screens answer, is the live
stream open) and /metrics (HTTP rate, errors and duration per route, and the live streams relayed now)."""
from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator

from services.workspace.web import Web


class Ops:
    """Its own registry, so several workspaces can share a process in tests."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.live_streams = 0
        Gauge("kontakt_workspace_live_streams", "Browser event streams relayed from notifications now.",
              registry=self.registry).set_function(lambda: self.live_streams)

    def instrument(self, app: FastAPI) -> None:
        Instrumentator(registry=self.registry, excluded_handlers=["/metrics", "/health/.*", "/static/.*",
                                                                  "/vendor/.*"]).instrument(app)


async def _answers(http: httpx.AsyncClient, name: str, url: str) -> str | None:
    """None when the service says its events flow; else why not, in one line."""
    try:
        r = await http.get(url + "/health/pipeline", timeout=2.0)
    except httpx.HTTPError as exc:
        return f"{name}_unreachable: {type(exc).__name__}"
    if r.status_code == 200:
        return None
    reasons = r.json().get("reasons", []) if "json" in r.headers.get("content-type", "") else []
    return f"{name}_degraded: " + ("; ".join(reasons) or f"HTTP {r.status_code}")


def build_ops(web: Web, ops: Ops) -> APIRouter:
    router = APIRouter()

    @router.get("/health/pipeline")
    async def pipeline() -> JSONResponse:
        """What staff see is live only while every service behind the screens has its events flowing: 200
        'flowing', or 503 'degraded' with each service's reasons (the services' own /health/pipeline)."""
        urls = web.settings.urls()
        found = await asyncio.gather(*(_answers(web.backend.http, n, u) for n, u in urls.items()))
        reasons = [r for r in found if r]
        body = {"status": "degraded" if reasons else "flowing", "reasons": reasons,
                "live_streams": ops.live_streams}
        return JSONResponse(body, status_code=503 if reasons else 200)

    @router.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> str:
        return generate_latest(ops.registry).decode()

    return router
