"""The ops routes every service serves: liveness, readiness, pipeline health, metrics, parked outbox rows."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from services.chassis.auth import Staff, require
from services.chassis.health import Health, pipeline_body

log = logging.getLogger("kontakt.runtime")


def health_of(request: Request) -> Health:
    """The service's health view (put on `app.state.health` by the runtime)."""
    health: Health = request.app.state.health
    return health


health_routes = APIRouter(tags=["ops"])


@health_routes.get("/health/live", summary="Liveness: the process answers.")
def live() -> dict[str, str]:
    return {"status": "alive"}


@health_routes.get("/health/ready",
                   summary="Readiness: started, database reachable, no consumer stuck in one message (503 otherwise). "
                           "The pipeline's own state is in `pipeline` but does not change the status: use "
                           "/health/pipeline for that.")
async def ready(health: Health = Depends(health_of)) -> JSONResponse:
    ok, checks = await asyncio.to_thread(health.readiness)
    state = await health.state()
    return JSONResponse({"status": "ready" if ok else "not ready", **checks,
                         "pipeline": "degraded" if state.reasons else "flowing", "degraded": state.reasons},
                        status_code=200 if ok else 503)


@health_routes.get("/health/pipeline",
                   summary="Whether events flow: 200 'flowing', or 503 'degraded' with the reasons (parked outbox "
                           "rows, relay stalled, old unsent rows, consumer lag without progress, new dead letters). "
                           "For alerts and load balancers that must see it.")
async def pipeline(health: Health = Depends(health_of)) -> JSONResponse:
    state = await health.state()
    return JSONResponse(pipeline_body(state), status_code=503 if state.reasons else 200)


@health_routes.get("/metrics", summary="Prometheus metrics.", response_class=PlainTextResponse)
async def metrics(health: Health = Depends(health_of)) -> str:
    return await health.metrics_text()


class RedriveIn(BaseModel):
    ids: list[int] | None = Field(None, description="Outbox row ids to re-drive; none means every parked row.",
                                  examples=[[17, 18]])


# parked outbox rows: what the broker refused for good, and putting them back in line after a fix
outbox_routes = APIRouter(prefix="/ops/outbox", tags=["ops"])


@outbox_routes.get("/parked", summary="Outbox rows set aside because the broker refused them for good. Roles: ops.")
def parked(staff: Staff = require("ops"), health: Health = Depends(health_of)) -> dict[str, Any]:
    rows = health.relay.parked_rows()
    return {"parked": [{"id": r.id, "event_id": r.event_id, "event_type": r.event_type, "topic": r.topic,
                        "key": r.key, "bytes": len(r.payload), "created_at": r.created_at,
                        "parked_at": r.parked_at, "reason": r.parked_reason} for r in rows]}


@outbox_routes.post("/redrive", summary="Put parked rows back in line (after a fix). Roles: ops.")
def redrive(body: RedriveIn, staff: Staff = require("ops"), health: Health = Depends(health_of)) -> dict[str, int]:
    n = health.relay.redrive(body.ids)
    log.info("ops %s re-drove %d parked outbox rows", staff.subject, n)
    return {"redriven": n}
