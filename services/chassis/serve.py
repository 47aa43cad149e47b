"""Run one service as its own process: uvicorn, SIGTERM finishes in-flight work before exit."""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.chassis.runtime import ServiceRuntime
from services.chassis.telemetry import setup_logging

_BUILD_ENV = "KONTAKT_SERVICE_BUILD"


def serve(rt: ServiceRuntime, app: FastAPI, build: Callable[..., tuple[Any, FastAPI]] | None = None) -> None:
    """One process, or `http_workers` uvicorn worker processes that each call `build` again (see workers.py)."""
    s = rt.settings
    setup_logging(rt.name, s.log_file)  # uvicorn's own messages, before the lifespan runs, as JSON lines too
    options: dict[str, Any] = {"host": s.http_host, "port": s.http_port, "log_level": "warning",
                               "access_log": False, "timeout_graceful_shutdown": 30, "lifespan": "on",
                               "log_config": None}
    if s.http_workers > 1 and build is not None:
        os.environ[_BUILD_ENV] = f"{build.__module__}:{build.__qualname__}"
        uvicorn.run("services.chassis.serve:worker_app", factory=True, workers=s.http_workers, **options)
    else:
        uvicorn.run(app, **options)


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process: the service's composition root, called in that process."""
    module, name = os.environ[_BUILD_ENV].split(":")
    built: tuple[ServiceRuntime, FastAPI] = getattr(importlib.import_module(module), name)()
    rt, app = built
    setup_logging(rt.name, rt.settings.log_file)
    return app
