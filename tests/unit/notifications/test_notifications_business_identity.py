"""Exactly once per business fact: the same fact published again under a new event id (a producer's retry,
a re-drive) plans, sends and streams nothing more — the ledger is keyed by what happened, not by the message."""
from __future__ import annotations

import uuid
from datetime import timedelta

from contracts.envelope import Event
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


def again(event: Event) -> Event:
    """The same fact under a new event id, as a producer that crashed before marking its outbox row might."""
    return event.model_copy(update={"event_id": uuid.uuid4()})


def _counts(svc: Notifications) -> dict[str, int]:
    from sqlmodel import Session, func, select

    from services.notifications.store import StreamEvent
    with Session(svc.rt.db.engine) as s:
        streamed = s.exec(select(func.count()).select_from(StreamEvent)).one()
    return {"deliveries": len(svc.deliveries()), "sms": len(svc.gateway.sms()), "emails": len(svc.smtp.messages),
            "sent_events": len(svc.published("NotificationSent")), "streamed": streamed}


async def test_each_fact_republished_under_a_new_event_id_reaches_nobody_twice(svc: Notifications):
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    other = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    facts = [ref, other,
             ev.booked(ref.case_id, NOW), ev.cancelled(ref.case_id, NOW + timedelta(minutes=5)),
             ev.booked(other.case_id, NOW, appointment_id="A-9"),
             ev.group_seat(ref.case_id, NOW), ev.risk(ref.case_id, NOW), ev.no_slots(ref.case_id, NOW),
             ev.deviation(ref.case_id, NOW), ev.at_risk(ref.case_id, NOW)]
    for f in facts:
        assert svc.apply(f)
    await svc.send_due()
    before = _counts(svc)
    for f in facts:
        assert svc.apply(again(f))  # a new event id passes the inbox: only the business key can stop it
    await svc.send_due()
    after = _counts(svc)
    print(f"\n[notifications-fact-identity] facts={len(facts)} republished={len(facts)} before={before} after={after}")
    assert before["sms"] >= 3 and before["emails"] >= 3 and before["streamed"] >= len(facts)
    assert after == before


async def test_a_different_fact_of_the_same_kind_is_still_sent(svc: Notifications):
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    for fact in (ev.booked(ref.case_id, NOW), ev.cancelled(ref.case_id, NOW),
                 ev.booked(ref.case_id, NOW, appointment_id="A-2")):  # a new appointment is a new fact
        svc.apply(fact)
        await svc.send_due()
    sent = [d.template for d in svc.deliveries(ref.case_id) if d.status == "sent"]
    assert sent.count("appointment_confirmation") == 2 and sent.count("appointment_cancelled") == 1
