"""A notifications service per test on its own database, with a local SMS/letter gateway and SMTP server.

Events are applied through the chassis' consumer (inbox included) without a broker; the sender is
driven by hand (`send_due`) against an injected clock.
"""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from contracts.envelope import Event
from contracts.registry import parse_event
from services.chassis.clock import STOCKHOLM, FixedClock
from services.chassis.subscriptions import handled_types
from services.chassis.tables import OutboxRow
from services.notifications.app import build
from services.notifications.handlers import SUBSCRIPTIONS
from services.notifications.settings import NotificationsSettings
from services.notifications.store import Delivery
from tests.unit.notifications.fakes import Gateway, SmtpServer, free_port

# a Tuesday morning
NOW = datetime(2023, 3, 14, 10, 0, tzinfo=STOCKHOLM)
_offsets = itertools.count()


class Notifications:
    def __init__(self, tmp: Path, issuer: Any, db_url: str, gateway: Gateway, smtp: SmtpServer,
                 clock: FixedClock, **overrides: Any) -> None:
        self.tmp, self.issuer, self.db_url, self.gateway, self.smtp, self.clock = tmp, issuer, db_url, gateway, smtp, clock
        settings = dict(data_dir=tmp, database_url=db_url, auth_jwks_file=issuer.jwks_file, dispatch_enabled=False,
                        sms_gateway_url=gateway.url("/sms"), digital_letter_url=gateway.url("/letters"),
                        exchange_url=gateway.url("/exchange"),
                        smtp_port=smtp.port, send_max_attempts=3, send_backoff_base_s=60, send_backoff_max_s=600,
                        send_lease_s=120)
        settings.update(overrides)
        self.settings = NotificationsSettings(**settings)
        self.rt, self.app = build(self.settings, clock=clock)
        self.rt.migrate()
        self.dispatcher = self.app.state.dispatcher
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://notifications")

    def apply(self, event: Event) -> bool:
        """Deliver an event as the consumers would: to every group that handles it (inbox included). False if it
        was a duplicate for the first of them."""
        groups = [sub for sub in SUBSCRIPTIONS if event.event_type in handled_types([sub])]
        fresh = []
        for group in groups:
            topic = next(t for t in group.topics if t == event.TOPIC)
            record = SimpleNamespace(topic=topic, partition=0, offset=next(_offsets))
            fresh.append(self.rt.consumers.deliver(group.name, event, record))
        return fresh[0]

    async def send_due(self) -> int:
        return await self.dispatcher.run_once()

    def deliveries(self, case_id: str | None = None) -> list[Delivery]:
        with Session(self.rt.db.engine) as s:
            q = select(Delivery).order_by(Delivery.id)
            if case_id is not None:
                q = q.where(Delivery.case_id == case_id)
            return list(s.exec(q).all())

    def published_rows(self) -> list[OutboxRow]:
        with Session(self.rt.db.engine) as s:
            return list(s.exec(select(OutboxRow).order_by(OutboxRow.id)).all())

    def published(self, event_type: str | None = None) -> list[Event]:
        with Session(self.rt.db.engine) as s:
            rows = s.exec(select(OutboxRow).order_by(OutboxRow.id)).all()
        events = [parse_event(r.payload) for r in rows]
        return [e for e in events if event_type is None or e.event_type == event_type]

    def auth(self, role: str, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token(role, **kw)}"}

    async def close(self) -> None:
        await self.http.aclose()
        self.rt.db.dispose()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway().start()
    yield gw
    gw.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def svc(tmp_path: Path, issuer: Any, gateway: Gateway, smtp: SmtpServer, clock: FixedClock) -> AsyncIterator[Notifications]:
    n = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'notifications.db'}", gateway, smtp, clock)
    yield n
    await n.close()


@pytest.fixture
async def svc_any_db(tmp_path: Path, issuer: Any, gateway: Gateway, smtp: SmtpServer, clock: FixedClock,
                     db_url: str) -> AsyncIterator[Notifications]:
    """The same service on SQLite and on PostgreSQL."""
    n = Notifications(tmp_path, issuer, db_url, gateway, smtp, clock)
    yield n
    await n.close()


UNREACHABLE = f"http://127.0.0.1:{free_port()}/sms"  # nothing listens there
