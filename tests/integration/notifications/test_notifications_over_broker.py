"""The notifications service on the real broker: events in, one SMS per person out, NotificationSent back on the bus."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session, select

from contracts.envelope import Event
from contracts.notifications import DELIVERIES_TOPIC
from kontakt.broker import read_all
from services.chassis.tables import InboxRow
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications
from tests.unit.notifications.fakes import Gateway, SmtpServer
from tests.waiting import wait_until

pytestmark = pytest.mark.broker




async def publish(bootstrap: str, *events: Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(e.TOPIC, e.model_dump_json().encode(), key=e.key.encode(),
                                         headers=[("event_type", e.event_type.encode())])
    finally:
        await producer.stop()


def _applied(svc: Notifications, event_id: str) -> bool:
    with Session(svc.rt.db.engine) as s:
        return s.exec(select(InboxRow).where(InboxRow.event_id == event_id)).first() is not None


async def test_events_from_the_bus_reach_family_and_clinician_once_and_are_reported(
        kafka_bootstrap: str, tmp_path: Path, issuer: Any, gateway: Gateway, smtp: SmtpServer, clock: Any,
        unique: str):
    svc = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'n.db'}", gateway, smtp, clock,
                        kafka_bootstrap_servers=kafka_bootstrap, consumer_group_prefix=f"t-{unique}-",
                        dispatch_enabled=True, dispatch_poll_s=0.05)
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    booking = ev.booked(ref.case_id, NOW)
    try:
        async with svc.rt.lifespan(svc.app):
            # the family's contact first: with the test's fixed clock a delivery that found no contact yet would
            # wait for a retry time that never comes (the contacts group reads the session's whole topic first)
            await publish(kafka_bootstrap, ref)
            await wait_until(lambda: _applied(svc, str(ref.event_id)), timeout=120)
            await publish(kafka_bootstrap, booking, booking, ev.risk(ref.case_id, NOW))
            await wait_until(lambda: len(gateway.sms()) >= 2)
            stats = svc.rt.consumers.stats
            await wait_until(lambda: sum(stats.duplicates.values()) >= 1)  # the second copy was consumed
            await wait_until(lambda: all(r.sent_at for r in svc.published_rows()))
        assert sorted(s["to"] for s in gateway.sms()) == ["+46701000001", "+46701234567"]  # clinician on duty, family
        on_bus = [json.loads(r.value) for r in await read_all(kafka_bootstrap, DELIVERIES_TOPIC)]  # type: ignore[attr-defined]
        ours = [e for e in on_bus if e["case_id"] == ref.case_id]
        assert sorted((e["event_type"], e["payload"]["template"]) for e in ours) == [
            ("NotificationSent", "appointment_confirmation"), ("NotificationSent", "risk_escalated")]
    finally:
        await svc.close()
