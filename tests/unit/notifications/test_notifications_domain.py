"""Pure rules: phone numbers, addresses, channel order, quiet hours, reminders, notification ids."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from contracts.common import ContactDetails
from services.chassis.clock import STOCKHOLM
from services.notifications.domain.contact import normalise_phone, routes, valid_address
from services.notifications.domain.planning import notification_id
from services.notifications.domain.timing import backoff, next_allowed, reminder_at

ORDER = ("sms", "email", "digital_letter")
Q = (time(21, 0), time(8, 0))


def details(**over) -> ContactDetails:  # type: ignore[no-untyped-def]
    base = dict(name="A", phone="0701234567", email="a@example.se", address="Storgatan 1, 921 31 Lycksele",
                preferred_channel="sms", language="sv", is_young_person=False)
    return ContactDetails(**{**base, **over})


def test_swedish_mobile_numbers_normalise_to_e164():
    assert normalise_phone("070-123 45 67") == "+46701234567"
    assert normalise_phone("0046 70 123 45 67") == "+46701234567"
    assert normalise_phone("+46 (0)70") is None
    assert normalise_phone("08-123 456 78") is None  # a landline cannot take an SMS
    assert normalise_phone("phone me") is None


def test_address_needs_street_postcode_and_town():
    assert valid_address("Storgatan 1, 921 31 Lycksele")
    assert not valid_address("Storgatan 1")
    assert not valid_address("Storgatan 1, Lycksele")


def test_preferred_channel_first_then_policy_order_skipping_unusable():
    usable, problems = routes(details(preferred_channel="digital_letter", email="nope"), ORDER)
    assert [r.channel for r in usable] == ["digital_letter", "sms"]
    assert problems == ["email_malformed"]


def test_quiet_hours_hold_until_eight_the_same_or_next_morning():
    late = datetime(2023, 3, 14, 22, 0, tzinfo=STOCKHOLM)
    early = datetime(2023, 3, 15, 6, 0, tzinfo=STOCKHOLM)
    day = datetime(2023, 3, 15, 12, 0, tzinfo=STOCKHOLM)
    morning = datetime(2023, 3, 15, 8, 0, tzinfo=STOCKHOLM)
    assert next_allowed(late, *Q) == morning and next_allowed(early, *Q) == morning
    assert next_allowed(day, *Q) == day


def test_quiet_hours_follow_stockholm_time_across_daylight_saving():
    # 26 March 2023: clocks go forward; 07:30 local is 05:30 UTC, still quiet
    assert next_allowed(datetime(2023, 3, 26, 5, 30, tzinfo=STOCKHOLM).astimezone(STOCKHOLM), *Q) == \
        datetime(2023, 3, 26, 8, 0, tzinfo=STOCKHOLM)


def test_reminder_time_and_none_when_too_close():
    now = datetime(2023, 3, 14, 10, 0, tzinfo=STOCKHOLM)
    assert reminder_at(now + timedelta(days=3), 48, now) == now + timedelta(days=1)
    assert reminder_at(now + timedelta(hours=47), 48, now) is None


def test_backoff_doubles_up_to_the_cap():
    assert [backoff(n, 30, 100).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_notification_id_is_stable_per_event_recipient_and_template():
    a = notification_id("e1", "family", "appointment_confirmation")
    assert a == notification_id("e1", "family", "appointment_confirmation")
    assert a != notification_id("e1", "family", "appointment_reminder")
    assert a != notification_id("e2", "family", "appointment_confirmation")
    assert a.startswith("N-") and len(a) == 18
