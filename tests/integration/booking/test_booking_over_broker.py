"""Booking on the real broker: a decided level either leads to a booked time on the bus or to NoBookableSlots."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts.booking import APPOINTMENTS_TOPIC
from contracts.common import ChildProfile
from contracts.envelope import Event, new_case_id
from contracts.intake import ReferralReceived, ReferralReceivedPayload
from contracts.triage import CareLevelDecided, CareLevelDecidedPayload
from kontakt.broker import read_all
from services.booking.app import build
from services.booking.settings import BookingSettings
from services.booking.store import BookingCase
from services.chassis.clock import FixedClock
from tests.unit.booking.conftest import NOW
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


def referral(case_id: str, municipality: str) -> Event:
    return ReferralReceived.new(case_id=case_id, occurred_at=NOW, recorded_at=NOW, payload=ReferralReceivedPayload(
        channel="phone", source="guardian", clock_start=NOW, received_at=NOW,
        child=ChildProfile(patient_ref="P-4Q7T2M9KZ3XW8RB6N1HC", age_years=11, sex="female", municipality=municipality),
        contact=None, reason_codes=["anxiety"], school_referral=False, sender_date=None, call_id=None,
        external_ref=None, triage_hint="none"))


def decided(case_id: str, level: str) -> Event:
    return CareLevelDecided.new(case_id=case_id, occurred_at=NOW, recorded_at=NOW, payload=CareLevelDecidedPayload(
        level=level, guide_level=level, rules_version="test", reasons=[], lower_levels_rejected=[],
        override_reason=None, overridden=False, decided_at=NOW, by_staff_ref="S-2F9K", supersedes_level=None))


async def test_decided_level_leads_to_appointment_booked_or_to_no_bookable_slots_on_the_bus(
        kafka_bootstrap: str, tmp_path: Path, issuer: Any, unique: str) -> None:
    clock = FixedClock(NOW)
    rt, app = build(BookingSettings(database_url=f"sqlite:///{tmp_path / 'b.db'}", data_dir=tmp_path,
                                    auth_jwks_file=issuer.jwks_file, kafka_bootstrap_servers=kafka_bootstrap,
                                    consumer_group_prefix=f"t-{unique}-"), clock=clock)
    rt.migrate()
    bookable, unbookable = new_case_id(), new_case_id()
    auth = {"Authorization": f"Bearer {issuer.token('call_handler')}"}
    sched = {"Authorization": f"Bearer {issuer.token('scheduler', unit='hc-mariehem')}"}
    try:
        async with rt.lifespan(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
            r = await c.post("/api/units/hc-mariehem/slots", headers=sched, json={
                "starts_at": (NOW + timedelta(days=2)).isoformat(), "profession": "psychologist"})
            assert r.status_code == 201, r.text
            slot_id = r.json()["slot_id"]
            await publish(kafka_bootstrap, referral(bookable, "Umeå"), referral(unbookable, "Lycksele"),
                          decided(bookable, "primary_care"), decided(unbookable, "bup"))

            def level_known() -> bool:
                with rt.db.uow() as uow:
                    case = uow.session.get(BookingCase, bookable)
                    return case is not None and case.level == "primary_care"
            await wait_until(level_known)
            offers = (await c.get(f"/api/cases/{bookable}/offers", headers=auth)).json()["offers"]
            assert [o["slot_id"] for o in offers] == [slot_id]
            hold = (await c.post("/api/holds", headers=auth, json={"case_id": bookable, "slot_id": slot_id})).json()
            r = await c.post(f"/api/holds/{hold['hold_token']}/confirm", headers=auth, json={})
            assert r.status_code == 201, r.text

            async def ours() -> list[tuple[str, str]]:
                found = [json.loads(m.value) for m in await read_all(kafka_bootstrap, APPOINTMENTS_TOPIC)]  # type: ignore[attr-defined]
                return sorted((e["case_id"], e["event_type"]) for e in found if e["case_id"] in (bookable, unbookable))
            expected = sorted([(bookable, "AppointmentBooked"), (unbookable, "NoBookableSlots")])
            deadline = asyncio.get_running_loop().time() + 60
            while (got := await ours()) != expected and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.3)
        assert got == expected
    finally:
        rt.db.dispose()
