"""Run one service as its own process: uvicorn, SIGTERM finishes in-flight work before exit."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.chassis.runtime import ServiceRuntime

_BUILD_ENV = "KONTAKT_SERVICE_BUILD"


def serve(rt: ServiceRuntime, app: FastAPI, build: Callable[..., tuple[Any, FastAPI]] | None = None) -> None:
    """One process, or `http_workers` uvicorn worker processes that each call `build` again (see workers.py)."""
    s = rt.settings
    options: dict[str, Any] = {"host": s.http_host, "port": s.http_port, "log_level": "warning",
                               "access_log": False, "timeout_graceful_shutdown": 30, "lifespan": "on"}
    if s.http_workers > 1 and build is not None:
        os.environ[_BUILD_ENV] = f"{build.__module__}:{build.__qualname__}"
        uvicorn.run("services.chassis.serve:worker_app", factory=True, workers=s.http_workers, **options)
    else:
        uvicorn.run(app, **options)


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process: the service's composition root, called in that process."""
    import importlib

    module, name = os.environ[_BUILD_ENV].split(":")
    _, app = getattr(importlib.import_module(module), name)()
    return app
