"""Messages to families: confirmation, change, cancellation, reminder, parent-group welcome; channels and wording."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.booking import ReplacedAppointment
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


def vault(svc: Notifications) -> str:
    return svc.settings.resolved_keyvault_url()


async def test_booking_confirmation_goes_by_sms_once_with_idempotency_key_and_is_published(svc_any_db: Notifications):
    svc = svc_any_db
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    assert await svc.send_due() == 1  # the confirmation; the reminder waits for its time
    [sms] = svc.gateway.sms()
    assert sms["to"] == "+46701234567" and sms["from"] == "1177"
    assert "BUP Umeå" in sms["text"] and "19 mar 2023 kl. 10:00" in sms["text"]
    assert "Norrlands universitetssjukhus" in sms["text"]
    [confirmation, reminder] = svc.deliveries(ref.case_id)
    assert sms["key"] == f"{confirmation.notification_id}.sms"
    assert (confirmation.status, confirmation.channel, reminder.status) == ("sent", "sms", "pending")
    [sent] = svc.published("NotificationSent")
    assert sent.case_id == ref.case_id and sent.payload.template == "appointment_confirmation"
    assert sent.payload.recipient_kind == "family" and sent.payload.channel == "sms"
    assert "+4670" not in sent.model_dump_json() and "Anna" not in sent.model_dump_json()


async def test_contact_is_stored_sealed_never_in_plain_text(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    raw = (svc.tmp / "notifications.db").read_bytes()
    assert b"Anna" not in raw and b"070-123" not in raw and b"Storgatan" not in raw


async def test_email_preference_sends_over_smtp_in_english_with_young_person_wording(svc: Notifications):
    ref = ev.referral(vault(svc), NOW, details=ev.contact(preferred_channel="email", language="en",
                                                          is_young_person=True))
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, digital=True))
    await svc.send_due()
    [mail] = svc.smtp.to("anna@example.se")
    assert mail["Subject"] == "Your appointment at BUP Umeå"
    body = mail.get_content()
    assert body.startswith("Hi! You have an appointment") and "https://video.example/v/1" in body
    [confirmation, _] = svc.deliveries(ref.case_id)
    assert mail["Message-ID"] == f"<{confirmation.notification_id}.email@en-vag-in.notifications>"
    assert svc.gateway.sms() == []


async def test_malformed_phone_falls_back_to_email(svc: Notifications):
    ref = ev.referral(vault(svc), NOW, details=ev.contact(phone="12-34"))
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    assert svc.gateway.sms() == []
    [mail] = svc.smtp.to("anna@example.se")
    assert mail["Subject"] == "Bokad tid hos BUP Umeå"
    assert svc.deliveries(ref.case_id)[0].channel == "email"


async def test_digital_letter_preference_goes_to_the_mailbox_service(svc: Notifications):
    ref = ev.referral(vault(svc), NOW, details=ev.contact(preferred_channel="digital_letter"))
    svc.apply(ref)
    svc.apply(ev.group_seat(ref.case_id, NOW))
    await svc.send_due()
    [letter] = svc.gateway.letters()
    assert letter["address"] == "Storgatan 1, 921 31 Lycksele"
    assert letter["subject"] == "Välkommen till föräldragruppen"
    assert "Mariehems hälsocentral" in letter["body"] and "https://video.example/g/1" in letter["body"]


async def test_reminder_goes_48_hours_before_the_visit(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, starts_in=timedelta(days=5)))
    await svc.send_due()
    svc.clock.advance(days=3, hours=-1)  # 49 hours before the visit
    assert await svc.send_due() == 0
    svc.clock.advance(hours=1)
    await svc.send_due()
    texts = [s["text"] for s in svc.gateway.sms()]
    assert len(texts) == 2 and texts[1].startswith("Påminnelse: ni har en tid hos BUP Umeå")


async def test_visit_within_48_hours_is_reminded_the_evening_before_and_one_within_hours_is_not(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, starts_in=timedelta(hours=30)))
    [confirmation, reminder] = svc.deliveries(ref.case_id)
    assert reminder.template == "appointment_reminder" and reminder.due_at == NOW.replace(hour=18)
    soon = ev.referral(vault(svc), NOW)
    svc.apply(soon)
    svc.apply(ev.booked(soon.case_id, NOW, starts_in=timedelta(hours=5), appointment_id="A-5"))
    assert [d.template for d in svc.deliveries(soon.case_id)] == ["appointment_confirmation"]


async def test_cancellation_calls_off_the_reminder_and_tells_the_family(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    svc.apply(ev.cancelled(ref.case_id, NOW))
    await svc.send_due()
    statuses = {d.template: d.status for d in svc.deliveries(ref.case_id)}
    assert statuses == {"appointment_confirmation": "sent", "appointment_reminder": "cancelled",
                        "appointment_cancelled": "sent"}
    assert "19 mar 2023 kl. 10:00 hos BUP Umeå är avbokad" in svc.gateway.sms()[-1]["text"]


async def test_rebooking_sends_a_change_not_a_cancellation(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    svc.apply(ev.booked(ref.case_id, NOW, starts_in=timedelta(days=6), appointment_id="A-2", rebooking_of="A-1"))
    svc.apply(ev.cancelled(ref.case_id, NOW, appointment_id="A-1"))
    await svc.send_due()
    templates = [(d.template, d.status) for d in svc.deliveries(ref.case_id)]
    assert ("appointment_changed", "sent") in templates
    assert ("appointment_reminder", "cancelled") in templates
    assert not any(t == "appointment_cancelled" for t, _ in templates)
    assert svc.gateway.sms()[-1]["text"].startswith("Hej! Er tid är ändrad. Den nya tiden är 20 mar 2023")


def _moved(case_id: str, old: str = "A-1") -> Any:
    return ev.booked(case_id, NOW, starts_in=timedelta(days=6), appointment_id="A-2", rebooking_of=old,
                     replaces=ReplacedAppointment(appointment_id=old, unit_id="bup-umea", unit_name="BUP Umeå",
                                                  starts_at=NOW + timedelta(days=5), reason="rebooked"))


async def test_a_rebooking_fact_is_one_message_naming_the_new_time_and_the_old_one(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    before = len(svc.gateway.sms())
    svc.apply(_moved(ref.case_id))
    await svc.send_due()
    sent = svc.gateway.sms()[before:]
    assert len(sent) == 1
    assert "Den nya tiden är 20 mar 2023" in sent[0]["text"]
    assert "Den tidigare tiden 19 mar 2023 kl. 10:00 hos BUP Umeå gäller inte längre" in sent[0]["text"]
    assert not any(d.template == "appointment_cancelled" for d in svc.deliveries(ref.case_id))


async def test_a_rebooking_before_the_first_confirmation_went_out_is_one_plain_confirmation(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))  # not sent yet
    svc.apply(_moved(ref.case_id))
    await svc.send_due()
    sent = svc.gateway.sms()
    assert len(sent) == 1 and "20 mar 2023" in sent[0]["text"] and "ändrad" not in sent[0]["text"]
