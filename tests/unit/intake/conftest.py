"""An intake service built for each test on its own database, without a broker (the outbox is the output)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.chassis.clock import STOCKHOLM, FixedClock
from services.intake.app import build
from services.intake.settings import IntakeSettings

NOW = datetime(2023, 3, 14, 9, 30, tzinfo=STOCKHOLM)


class Intake:
    """The service under test and a client that speaks for a given role."""

    def __init__(self, rt: Any, app: Any, issuer: Any, clock: FixedClock, tmp: Path) -> None:
        self.rt, self.app, self.issuer, self.clock, self.tmp = rt, app, issuer, clock, tmp
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")

    def auth(self, role: str = "call_handler", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token(role, **kw)}"}

    async def post(self, path: str, json: Any = None, role: str = "call_handler", key: str | None = None,
                   **kw: Any) -> httpx.Response:
        headers = self.auth(role, subject=kw.pop("subject", None), licensed=kw.pop("licensed", None))
        if key:
            headers["Idempotency-Key"] = key
        return await self.http.post(path, json=json, headers=headers, **kw)

    async def get(self, path: str, role: str = "call_handler") -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role))


def make_intake(tmp_path: Path, issuer: Any, db_url: str | None = None, **settings: Any) -> Intake:
    clock = FixedClock(NOW)
    s = IntakeSettings(data_dir=tmp_path, database_url=db_url or f"sqlite:///{tmp_path / 'intake.db'}",
                       auth_jwks_file=issuer.jwks_file, **settings)
    rt, app = build(s, clock=clock)
    rt.migrate()
    return Intake(rt, app, issuer, clock, tmp_path)


@pytest.fixture
async def intake(tmp_path: Path, issuer: Any) -> AsyncIterator[Intake]:
    svc = make_intake(tmp_path, issuer)
    yield svc
    await svc.http.aclose()
    svc.rt.db.dispose()


@pytest.fixture
async def intake_any_db(tmp_path: Path, issuer: Any, db_url: str) -> AsyncIterator[Intake]:
    """The same service on SQLite and on PostgreSQL."""
    svc = make_intake(tmp_path, issuer, db_url)
    yield svc
    await svc.http.aclose()
    svc.rt.db.dispose()
