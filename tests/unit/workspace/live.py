"""The workspace's app with its service calls sent, in process, to a live intake app (its public API)."""
from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings
from tests.unit.intake.conftest import Intake


def workspace(tmp_path: Path, intake: Intake | None, local_signin: bool = True) -> FastAPI:
    settings = WorkspaceSettings(data_dir=tmp_path, local_signin=local_signin, local_issuer_dir=tmp_path / "keys")
    app = build(settings)[1]
    if intake is not None:  # every service call of the workspace goes to intake's public API, in process
        app.state.web.backend.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake.app))
    return app
