"""A live intake app for the workspace's tests: its own store, the workspace's local issuer's keys, its clock at
`intake_clock` (now by default; a module overrides that fixture to keep make_intake's fixed Tuesday, 09:30)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.chassis.issuer import LocalIssuer
from tests.unit.intake.conftest import Intake, make_intake


@pytest.fixture
def intake_clock() -> datetime | None:
    return datetime.now(UTC)


@pytest.fixture
async def intake(tmp_path: Path, intake_clock: datetime | None) -> AsyncIterator[Intake]:
    svc = make_intake(tmp_path / "intake", LocalIssuer(tmp_path / "keys"))
    if intake_clock is not None:
        svc.clock.at = intake_clock
    yield svc
    await svc.http.aclose()
    svc.rt.db.dispose()
