"""Messages to callers about a call-back: the promised window by SMS, and after the last try a message asking
the family to call; the number is opened only to send, and the published facts name the call-back, not a case."""
from __future__ import annotations

from datetime import datetime, timedelta

from contracts.callbacks import CallbackFailed, CallbackFailedPayload, CallbackPromised, CallbackPromisedPayload
from services.chassis.clock import STOCKHOLM
from services.chassis.privacy import KeyVault
from tests.unit.notifications.conftest import NOW, Notifications

CB = "CB-7K3M9Q2XH4TB"


def promised(svc: Notifications, language: str = "sv", reason: str = "queue_full") -> CallbackPromised:
    sealed = KeyVault(svc.settings.resolved_keyvault_url(), "intake").seal(
        CB, {"phone": "+46701740605", "language": language, "preferred_channel": "sms"})
    start = datetime(2023, 3, 14, 11, tzinfo=STOCKHOLM)
    return CallbackPromised.new(occurred_at=NOW, recorded_at=NOW, payload=CallbackPromisedPayload(
        callback_id=CB, call_id="call-1", line="public_1177", reason=reason, requested_at=NOW,  # type: ignore[arg-type]
        window_start=start, window_end=start + timedelta(hours=1), same_day=True, chosen_window_kept=None,
        policy_version="2026.1", contact=sealed))


async def test_the_caller_gets_the_promised_window_by_sms_and_the_fact_names_the_call_back(svc: Notifications):
    ev = promised(svc)
    assert svc.apply(ev) and not svc.apply(ev)  # a redelivery plans nothing more
    assert await svc.send_due() == 1
    [sms] = svc.gateway.sms()
    assert sms["to"] == "+46701740605"
    assert "Vi ringer upp dig 14 mar 2023 kl. 11:00–12:00." in sms["text"] and "112" in sms["text"]
    [sent] = svc.published("NotificationSent")
    assert sent.case_id is None and sent.payload.callback_id == CB and sent.key == sent.payload.notification_id
    assert sent.payload.template == "callback_promised" and "1740605" not in sent.model_dump_json()


async def test_a_kontakta_oss_sender_is_thanked_for_the_message_not_told_they_called(svc: Notifications):
    svc.apply(promised(svc, reason="self_referral"))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert sms["text"].startswith("Hej! Tack för ditt meddelande via Kontakta oss") and "1177 val 2)" not in sms["text"]


async def test_in_english_when_the_caller_chose_english(svc: Notifications):
    svc.apply(promised(svc, language="en"))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert "We will call you back 14 Mar 2023 at 11:00–12:00." in sms["text"]


async def test_after_the_last_try_the_family_is_asked_to_call(svc: Notifications):
    first = promised(svc)
    svc.apply(first)
    failed = CallbackFailed.new(occurred_at=NOW, recorded_at=NOW, payload=CallbackFailedPayload(
        callback_id=CB, call_id="call-1", tries=3, failed_at=NOW, contact=first.payload.contact))
    svc.apply(failed)
    assert await svc.send_due() == 2
    texts = [m["text"] for m in svc.gateway.sms()]
    assert any("försökt ringa upp dig 3 gånger" in t and "Ring oss på 1177 val 2" in t for t in texts)
