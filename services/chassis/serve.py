"""Run one service as its own process: uvicorn, SIGTERM finishes in-flight work before exit."""
from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from services.chassis.runtime import ServiceRuntime


def serve(rt: ServiceRuntime, app: FastAPI) -> None:
    s = rt.settings
    uvicorn.run(app, host=s.http_host, port=s.http_port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=30, lifespan="on")
