"""Bad input and a failing world: missing contacts, unreachable gateway, malformed details -> NotificationFailed + staff alert."""
from __future__ import annotations

import logging
from datetime import timedelta

from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, UNREACHABLE, Notifications

KC_HEAD_MAIL = "kc-chef@rvn.example.se"


async def drain(svc: Notifications, rounds: int = 8) -> None:
    """Run the sender, moving the clock past each backoff."""
    for _ in range(rounds):
        await svc.send_due()
        svc.clock.advance(minutes=15)


def failed(svc: Notifications, case_id: str) -> list:  # type: ignore[type-arg]
    return [e for e in svc.published("NotificationFailed") if e.case_id == case_id]


async def test_referral_without_contact_fails_clearly_and_alerts_staff(svc: Notifications):
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW, sealed=False)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await drain(svc, 2)
    [fail] = failed(svc, ref.case_id)
    assert fail.payload.error == "contact_missing" and fail.payload.channel is None
    assert fail.payload.template == "appointment_confirmation" and fail.payload.attempts == 1
    [alert] = svc.smtp.to(KC_HEAD_MAIL)
    assert alert["Subject"] == f"Meddelande kunde inte levereras (ärende {ref.case_id})"
    assert "contact_missing" in alert.get_content()
    family = [d for d in svc.deliveries(ref.case_id) if d.template == "appointment_confirmation"]
    assert family[0].status == "failed" and family[0].last_error == "contact_missing"


async def test_unreachable_gateway_retries_with_backoff_then_fails_and_alerts(
        tmp_path, issuer, gateway, smtp, clock):  # type: ignore[no-untyped-def]
    svc = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'n.db'}", gateway, smtp, clock,
                        sms_gateway_url=UNREACHABLE)
    try:
        ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW, details=ev.contact(email=None, address=None))
        svc.apply(ref)
        svc.apply(ev.booked(ref.case_id, NOW))
        await svc.send_due()
        [row, _] = svc.deliveries(ref.case_id)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "sms_gateway_unreachable")
        assert row.due_at == NOW + timedelta(seconds=60)  # first backoff
        assert await svc.send_due() == 0  # not before its time
        await drain(svc)
        [fail] = failed(svc, ref.case_id)
        assert fail.payload.error == "sms_gateway_unreachable" and fail.payload.attempts == 3
        assert fail.payload.channel == "sms"
        assert len(svc.smtp.to(KC_HEAD_MAIL)) == 1
    finally:
        await svc.close()


async def test_gateway_error_falls_back_to_the_next_channel_before_failing(svc: Notifications):
    svc.gateway.status = 503
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await drain(svc, 4)
    [row, _] = svc.deliveries(ref.case_id)
    assert (row.status, row.channel) == ("sent", "email")
    assert len(svc.smtp.to("anna@example.se")) == 1 and failed(svc, ref.case_id) == []


async def test_malformed_phone_and_address_give_a_clear_error_without_the_details(svc: Notifications, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    details = ev.contact(phone="070-12", email=None, address="Storgatan", preferred_channel="digital_letter")
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW, details=details)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await drain(svc, 2)
    [fail] = failed(svc, ref.case_id)
    assert fail.payload.error == "no_usable_channel:address_malformed,phone_malformed,email_missing"
    assert len(svc.smtp.to(KC_HEAD_MAIL)) == 1
    everything = caplog.text + fail.model_dump_json() + repr([d.model_dump() for d in svc.deliveries()])
    for secret in ("070-12", "Storgatan", "Anna", "Lycksele"):
        assert secret not in everything


async def test_shredded_contact_is_not_sent_and_staff_are_told(svc: Notifications):
    from services.chassis.privacy import KeyVault

    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    KeyVault(svc.settings.resolved_keyvault_url(), "intake").shred(ev.REF)
    svc.apply(ev.booked(ref.case_id, NOW))
    await drain(svc, 2)
    assert [f.payload.error for f in failed(svc, ref.case_id)] == ["contact_shredded"]
    assert svc.gateway.requests == []


async def test_booking_that_overtakes_the_referral_waits_for_the_contact(svc: Notifications):
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    assert svc.deliveries(ref.case_id)[0].last_error == "contact_not_yet_known"
    svc.apply(ref)
    await drain(svc, 2)
    assert len(svc.gateway.sms()) == 1 and failed(svc, ref.case_id) == []


async def test_an_alert_that_cannot_be_delivered_is_not_alerted_about_again(
        tmp_path, issuer, gateway, smtp, clock):  # type: ignore[no-untyped-def]
    from tests.unit.notifications.fakes import free_port

    svc = Notifications(tmp_path, issuer, f"sqlite:///{tmp_path / 'n.db'}", gateway, smtp, clock,
                        smtp_port=free_port(), sms_gateway_url=UNREACHABLE)
    try:
        ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW, sealed=False)
        svc.apply(ref)
        svc.apply(ev.booked(ref.case_id, NOW))
        await drain(svc, 10)
        kinds = sorted((d.template, d.status) for d in svc.deliveries(ref.case_id))
        assert kinds == [("appointment_confirmation", "failed"), ("appointment_reminder", "pending"),
                         ("delivery_failed", "failed")]
    finally:
        await svc.close()
