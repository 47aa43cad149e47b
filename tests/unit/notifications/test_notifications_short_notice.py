"""On time for families: a visit that starts before the quiet hours end is confirmed at once on a channel that
wakes nobody (or by an early SMS when the family has none), and short-notice bookings get a reminder."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.chassis.clock import STOCKHOLM
from services.notifications.domain.planning import plan_booked
from services.notifications.rules import load_policy
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import Notifications

POLICY = load_policy()


def local(day: str, hh: int, mm: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hh, minute=mm, tzinfo=STOCKHOLM)


def _booked_at(svc: Notifications, now: datetime, starts: datetime, details: dict | None = None) -> str:  # type: ignore[type-arg]
    svc.clock.at = now
    ref = ev.referral(svc.settings.resolved_keyvault_url(), now, details=details)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, now, starts_in=starts - now))
    return ref.case_id


async def test_booked_at_22_06_for_08_00_is_confirmed_at_once_by_email_not_sms(svc: Notifications):
    now = local("2023-03-14", 22, 6)
    case_id = _booked_at(svc, now, local("2023-03-15", 8, 0))
    assert await svc.send_due() == 1
    assert svc.gateway.sms() == []  # nobody's phone buzzes at night
    [msg] = svc.smtp.to("anna@example.se")
    assert len(svc.smtp.messages) == 1 and "15 mar 2023 kl. 08:00" in msg.get_content()
    [confirmation] = [d for d in svc.deliveries(case_id) if d.template == "appointment_confirmation"]
    assert (confirmation.status, confirmation.channel, confirmation.sent_at) == ("sent", "email", now)
    assert [d.template for d in svc.deliveries(case_id)] == ["appointment_confirmation"]  # it is the reminder too


async def test_a_family_with_only_a_phone_gets_an_early_sms_before_the_visit_not_at_its_start(svc: Notifications):
    now = local("2023-03-14", 22, 6)
    case_id = _booked_at(svc, now, local("2023-03-15", 8, 0),
                         ev.contact(email=None, address=None, preferred_channel="sms"))
    await svc.send_due()
    assert svc.gateway.sms() == []
    [confirmation] = svc.deliveries(case_id)
    assert confirmation.due_at == local("2023-03-15", 7, 0)
    svc.clock.at = local("2023-03-15", 7, 0)
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert "15 mar 2023 kl. 08:00" in sms["text"]


async def test_a_visit_after_the_morning_waits_for_the_morning_as_before(svc: Notifications):
    now = local("2023-03-14", 22, 6)
    case_id = _booked_at(svc, now, local("2023-03-15", 14, 0))
    assert await svc.send_due() == 0
    [confirmation, *rest] = svc.deliveries(case_id)
    assert confirmation.due_at == local("2023-03-15", 8, 0) and not confirmation.silent


def test_friday_evening_booking_for_monday_morning_confirms_saturday_and_reminds_sunday_evening() -> None:
    friday, monday = local("2023-03-17", 21, 30), local("2023-03-20", 8, 0)
    p = ev.booked("C-7K3M9Q2XH4TB", friday, starts_in=monday - friday).payload
    [confirmation, reminder] = plan_booked(p, friday, POLICY)
    assert confirmation.due_at == local("2023-03-18", 8, 0) and not confirmation.silent
    # 48 hours before (Saturday 08:00) is the confirmation's own moment: the evening before instead
    assert reminder.template == "appointment_reminder" and reminder.due_at == local("2023-03-19", 18, 0)


def test_a_short_notice_booking_is_reminded_the_evening_before() -> None:
    monday, tuesday = local("2023-03-13", 10, 0), local("2023-03-14", 14, 0)
    p = ev.booked("C-7K3M9Q2XH4TB", monday, starts_in=tuesday - monday).payload
    [confirmation, reminder] = plan_booked(p, monday, POLICY)
    assert confirmation.due_at == monday and reminder.due_at == local("2023-03-13", 18, 0)


def test_a_booking_well_ahead_is_reminded_48_hours_before() -> None:
    now, visit = local("2023-03-13", 10, 0), local("2023-03-20", 10, 0)
    p = ev.booked("C-7K3M9Q2XH4TB", now, starts_in=visit - now).payload
    [_, reminder] = plan_booked(p, now, POLICY)
    assert reminder.due_at == visit - timedelta(hours=48)
