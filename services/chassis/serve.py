"""Run one service as its own process: uvicorn, SIGTERM finishes in-flight work before exit."""
from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from services.chassis.runtime import ServiceRuntime
from services.chassis.telemetry import setup_logging


def serve(rt: ServiceRuntime, app: FastAPI) -> None:
    s = rt.settings
    setup_logging(rt.name, s.log_file)  # uvicorn's own messages, before the lifespan runs, as JSON lines too
    uvicorn.run(app, host=s.http_host, port=s.http_port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=30, lifespan="on", log_config=None)
