"""Exactly once to the person: redelivery, two senders, a crash between send and record, a restart."""
from __future__ import annotations

import asyncio

import pytest

from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the sender catches it."""


def crash(_row: object) -> None:
    raise Crash


async def test_redelivered_event_sends_once(svc_any_db: Notifications):
    svc = svc_any_db
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    booking = ev.booked(ref.case_id, NOW)
    assert svc.apply(ref) and svc.apply(booking)
    assert svc.apply(booking) is False  # the inbox absorbs the redelivery
    await svc.send_due()
    await svc.send_due()
    assert len(svc.gateway.sms()) == 1 and len(svc.gateway.requests) == 1
    assert len(svc.published("NotificationSent")) == 1


async def test_the_same_event_under_another_consumer_plans_nothing_twice(svc: Notifications):
    """Even past the inbox (a replay into a new consumer group), the unique notification id holds."""
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    booking = ev.booked(ref.case_id, NOW)
    svc.apply(ref)
    svc.apply(booking)
    with svc.rt.db.uow() as uow:  # the handler again, past the inbox
        svc.rt.consumers.by_name["notifications.bookings"].dispatch(booking, uow)
        uow.commit()
    assert [d.template for d in svc.deliveries(ref.case_id)] == ["appointment_confirmation", "appointment_reminder"]


async def test_two_instances_racing_for_one_message_send_it_once(
        svc_any_db: Notifications, issuer, gateway, smtp, clock):  # type: ignore[no-untyped-def]
    svc = svc_any_db
    other = Notifications(svc.tmp, issuer, svc.db_url, gateway, smtp, clock)  # a second instance, same database
    try:
        ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
        svc.apply(ref)
        svc.apply(ev.booked(ref.case_id, NOW))
        [confirmation, _] = svc.deliveries(ref.case_id)
        await asyncio.gather(*(d.process(confirmation.id) for d in (svc.dispatcher, other.dispatcher) * 3))
        assert len(svc.gateway.requests) == 1
        assert len(svc.published("NotificationSent")) == 1
    finally:
        await other.close()


async def test_crash_between_send_and_record_is_resent_after_restart_and_the_gateway_sends_once(
        svc_any_db: Notifications, issuer, gateway, smtp, clock):  # type: ignore[no-untyped-def]
    svc = svc_any_db
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    svc.dispatcher.after_send = crash
    with pytest.raises(Crash):
        await svc.send_due()
    [confirmation, _] = svc.deliveries(ref.case_id)
    assert confirmation.status == "sending"  # the intent survives; nothing was recorded as sent
    assert len(gateway.delivered) == 1 and svc.published("NotificationSent") == []

    # restart: a new process on the same database; the lease has run out by the time it looks
    restarted = Notifications(svc.tmp, issuer, svc.db_url, gateway, smtp, clock)
    try:
        assert await restarted.send_due() == 0  # the lease still holds: nobody steals an in-flight send
        clock.advance(seconds=121)
        await restarted.send_due()
        [confirmation, _] = restarted.deliveries(ref.case_id)
        assert confirmation.status == "sent"
        assert len(gateway.requests) == 2 and gateway.requests[0]["key"] == gateway.requests[1]["key"]
        assert len(gateway.delivered) == 1  # the idempotency key kept the family from a second SMS
        assert len(restarted.published("NotificationSent")) == 1
    finally:
        await restarted.close()
