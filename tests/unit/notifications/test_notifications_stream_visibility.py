"""What each role sees on the event stream: its kinds, its unit, restricted details only where allowed."""
from __future__ import annotations

import json

from services.chassis.auth import Staff
from services.notifications.stream import events_for
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


def staff(role: str, unit: str | None = None) -> Staff:
    return Staff(subject="S-1", role=role, unit=unit, licensed=role == "clinician")


async def seen(svc: Notifications, who: Staff, after: int = 0) -> list[dict]:  # type: ignore[type-arg]
    policy = svc.app.state.deps.policy.stream
    return [m async for m in events_for(svc.rt.db, who, policy, after, 0.01, follow=False)]


def setup_case(svc: Notifications) -> str:
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, unit_id="bup-umea"))
    svc.apply(ev.risk(ref.case_id, NOW))
    svc.apply(ev.no_slots(ref.case_id, NOW))
    return str(ref.case_id)


async def test_clinician_sees_risk_items_call_handler_sees_the_risk_without_them(svc: Notifications):
    setup_case(svc)
    [c] = [json.loads(m["data"]) for m in await seen(svc, staff("clinician")) if m["event"] == "RiskEscalated"]
    [h] = [json.loads(m["data"]) for m in await seen(svc, staff("call_handler")) if m["event"] == "RiskEscalated"]
    assert c["items"] == ["suicidal_plan"] and "items" not in h and h["severity"] == "acute"


async def test_unit_head_sees_only_events_of_their_unit(svc: Notifications):
    setup_case(svc)
    umea = [m["event"] for m in await seen(svc, staff("unit_head", "bup-umea"))]
    sorsele = [m["event"] for m in await seen(svc, staff("unit_head", "hc-sorsele"))]
    assert umea == ["AppointmentBooked"]
    assert sorsele == ["NoBookableSlots"]
    assert await seen(svc, staff("unit_head", None)) == []


async def test_stream_never_carries_contact_details(svc: Notifications):
    setup_case(svc)
    await svc.send_due()
    text = repr(await seen(svc, staff("kc_head"))) + repr(await seen(svc, staff("clinician")))
    assert "NotificationSent" in text
    for secret in ("Anna", "070", "+4670", "anna@example.se", "Storgatan"):
        assert secret not in text


async def test_sequence_has_no_gaps_and_resumes_after_the_given_id(svc: Notifications):
    setup_case(svc)
    everything = await seen(svc, staff("kc_head"))
    ids = [int(m["id"]) for m in everything]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    rest = await seen(svc, staff("kc_head"), after=ids[1])
    assert [m["id"] for m in rest] == [str(i) for i in ids[2:]]
