"""A booking service built on a database without a broker: routes and service layer, injected clock."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.booking.app import build
from services.booking.domain.reference import load
from services.booking.settings import BookingSettings
from services.booking.store import BookingCase
from services.chassis.clock import STOCKHOLM, FixedClock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)  # a Monday


class Booking:
    def __init__(self, rt: Any, app: Any, clock: FixedClock, issuer: Any) -> None:
        self.rt, self.app, self.clock, self.issuer = rt, app, clock, issuer
        self.ref = load()

    def call(self, method: str, path: str, role: str = "call_handler", unit: str | None = None,
             **kw: Any) -> httpx.Response:
        import asyncio

        token = self.issuer.token(role, unit=unit)

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://b") as c:
                return await c.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)
        return asyncio.run(go())

    def case(self, case_id: str, municipality: str = "Umeå", age: int = 10, level: str | None = "primary_care",
             clock_start: datetime | None = None) -> BookingCase:
        with self.rt.db.uow() as uow:
            row = BookingCase(case_id=case_id, patient_ref="P-" + "A" * 20, age_years=age, sex="female",
                              municipality=municipality, clock_start=clock_start or self.clock.now() - timedelta(days=2),
                              level=level, decided_at=self.clock.now() if level else None)
            uow.session.add(row)
            uow.commit()
        return row

    def slot(self, unit_id: str, days: float, profession: str = "psychologist", digital: bool = False) -> dict[str, Any]:
        r = self.call("POST", f"/api/units/{unit_id}/slots", "scheduler", unit=unit_id, json={
            "starts_at": (self.clock.now() + timedelta(days=days)).isoformat(), "profession": profession,
            "digital": digital})
        assert r.status_code == 201, r.text
        return r.json()

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The outbox's events of one type, decoded, in order."""
        import json

        from sqlmodel import Session, select

        from services.chassis.tables import OutboxRow
        with Session(self.rt.db.engine) as s:
            rows = s.exec(select(OutboxRow).where(OutboxRow.event_type == event_type).order_by(OutboxRow.id)).all()
            return [json.loads(r.payload) for r in rows]

    def book(self, case_id: str, slot_id: str) -> httpx.Response:
        hold = self.call("POST", "/api/holds", json={"case_id": case_id, "slot_id": slot_id})
        assert hold.status_code == 201, hold.text
        return self.call("POST", f"/api/holds/{hold.json()['hold_token']}/confirm", json={})

    def outbox(self) -> list[tuple[str, str]]:
        from sqlmodel import Session, select

        from services.chassis.tables import OutboxRow
        with Session(self.rt.db.engine) as s:
            return [(r.event_type, r.key) for r in s.exec(select(OutboxRow).order_by(OutboxRow.id)).all()]


@pytest.fixture
def booking(db_url: str, tmp_path: Path, issuer: Any) -> Iterator[Booking]:
    clock = FixedClock(NOW)
    rt, app = build(BookingSettings(database_url=db_url, data_dir=tmp_path, auth_jwks_file=issuer.jwks_file), clock=clock)
    rt.migrate()
    yield Booking(rt, app, clock, issuer)
    rt.db.dispose()
