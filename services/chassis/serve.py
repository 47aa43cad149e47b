"""Run one service as its own process: uvicorn, SIGTERM finishes in-flight work before exit."""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.chassis.runtime import ServiceRuntime
from services.chassis.spec import ServiceSpec
from services.chassis.telemetry import setup_logging

_SPEC_ENV = "KONTAKT_SERVICE_SPEC"
SpecFactory = Callable[[], ServiceSpec[Any, Any]]  # a service's composition root: `services.<name>.app:spec`


def main(spec: SpecFactory) -> None:
    """`python -m services.<name>`: the service its composition root `spec` describes, as its own process."""
    serve(ServiceRuntime(spec()), spec)


def serve(rt: ServiceRuntime[Any, Any], spec: SpecFactory | None = None) -> None:
    """One process, or `http_workers` uvicorn worker processes that each call `spec` again (see workers.py)."""
    s = rt.settings
    setup_logging(rt.name, s.log_file)  # uvicorn's own messages, before the lifespan runs, as JSON lines too
    options: dict[str, Any] = {"host": s.http_host, "port": s.http_port, "log_level": "warning",
                               "access_log": False, "timeout_graceful_shutdown": 30, "lifespan": "on",
                               "log_config": None}
    if s.http_workers > 1 and spec is not None:
        os.environ[_SPEC_ENV] = f"{spec.__module__}:{spec.__qualname__}"
        uvicorn.run("services.chassis.serve:worker_app", factory=True, workers=s.http_workers, **options)
    else:
        uvicorn.run(rt.app, **options)


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process: the service's composition root, called in that process."""
    module, name = os.environ[_SPEC_ENV].split(":")
    spec: SpecFactory = getattr(importlib.import_module(module), name)
    rt = ServiceRuntime(spec())
    setup_logging(rt.name, rt.settings.log_file)
    return rt.app
