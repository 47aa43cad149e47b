"""Staff alerts (risk, no bookable slots, deviations, guarantee at risk) and quiet hours for families."""
from __future__ import annotations

from datetime import datetime

from services.chassis.clock import STOCKHOLM
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


async def test_family_message_booked_late_evening_waits_for_the_morning(svc: Notifications):
    late = datetime(2023, 3, 14, 22, 30, tzinfo=STOCKHOLM)
    svc.clock.at = late
    ref = ev.referral(svc.settings.resolved_keyvault_url(), late)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, late))
    assert await svc.send_due() == 0
    svc.clock.at = datetime(2023, 3, 15, 7, 59, tzinfo=STOCKHOLM)
    assert await svc.send_due() == 0
    assert svc.gateway.requests == []
    svc.clock.at = datetime(2023, 3, 15, 8, 0, tzinfo=STOCKHOLM)
    await svc.send_due()
    assert len(svc.gateway.sms()) == 1


async def test_retry_that_falls_into_quiet_hours_is_held_until_morning(svc: Notifications):
    evening = datetime(2023, 3, 14, 20, 58, tzinfo=STOCKHOLM)
    svc.clock.at = evening
    svc.gateway.status = 503
    ref = ev.referral(svc.settings.resolved_keyvault_url(), evening)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, evening))
    await svc.send_due()  # 20:58: tried, failed, retry due 20:59... after 21:00 it is quiet
    svc.gateway.status = 200
    svc.clock.at = datetime(2023, 3, 14, 21, 5, tzinfo=STOCKHOLM)
    await svc.send_due()
    [row, _] = svc.deliveries(ref.case_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.due_at == datetime(2023, 3, 15, 8, 0, tzinfo=STOCKHOLM)
    assert len(svc.gateway.delivered) == 0


async def test_risk_escalation_reaches_the_clinician_on_duty_at_once_even_at_night(svc: Notifications):
    night = datetime(2023, 3, 14, 23, 40, tzinfo=STOCKHOLM)  # a Tuesday night: the evening shift
    svc.clock.at = night
    case_id = ev.referral(svc.settings.resolved_keyvault_url(), night).case_id
    svc.apply(ev.risk(case_id, night))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert sms["to"] == "+46701000002"
    assert sms["text"].startswith(f"AKUT risk (akut) i ärende {case_id}")
    assert "suicidal" not in sms["text"]  # the risk items stay in the app, not on a phone screen
    [sent] = svc.published("NotificationSent")
    assert sent.payload.recipient_kind == "clinician_on_duty"


async def test_weekend_risk_goes_to_the_weekend_clinician(svc: Notifications):
    saturday = datetime(2023, 3, 18, 11, 0, tzinfo=STOCKHOLM)
    svc.clock.at = saturday
    svc.apply(ev.risk("C-7K3M9Q2XH4TB", saturday))
    await svc.send_due()
    assert [s["to"] for s in svc.gateway.sms()] == ["+46701000003"]


async def test_no_bookable_slots_reaches_unit_heads_and_kc_head_with_the_evidence(svc: Notifications):
    svc.apply(ev.no_slots("C-7K3M9Q2XH4TB", NOW))
    await svc.send_due()
    to = sorted(r for rcpts, _ in svc.smtp.messages for r in rcpts)
    assert to == ["chef.mariehem@rvn.example.se", "chef.sorsele@rvn.example.se", "kc-chef@rvn.example.se"]
    [mail] = svc.smtp.to("kc-chef@rvn.example.se")
    body = mail.get_content()
    assert mail["Subject"] == "Avvikelse: inga bokningsbara tider (Primärvård (hälsocentral), Sorsele)"
    assert "- hc-sorsele: ingen ledig tid" in body
    assert "- hc-mariehem: första lediga 26 mar 2023 kl. 10:00" in body
    assert "Plats i väntelistan: 3" in body
    kinds = sorted(e.payload.recipient_kind for e in svc.published("NotificationSent"))
    assert kinds == ["kc_head", "unit_head", "unit_head"]


async def test_deviation_reaches_both_coordinators(svc: Notifications):
    svc.apply(ev.deviation("C-7K3M9Q2XH4TB", NOW))
    await svc.send_due()
    to = sorted(r for rcpts, _ in svc.smtp.messages for r in rcpts)
    assert to == ["samordnare.bup@rvn.example.se", "samordnare.kc@rvn.example.se"]
    body = svc.smtp.to("samordnare.kc@rvn.example.se")[0].get_content()
    assert "Pappersremiss kom fram mer än 3 dagar efter att den skrevs" in body and "date_arrived: 2023-03-13" in body


async def test_guarantee_at_risk_alerts_the_kc_head_even_in_quiet_hours(svc: Notifications):
    night = datetime(2023, 3, 14, 23, 0, tzinfo=STOCKHOLM)
    svc.clock.at = night
    svc.apply(ev.at_risk("C-7K3M9Q2XH4TB", night))
    await svc.send_due()
    [mail] = svc.smtp.to("kc-chef@rvn.example.se")
    assert mail["Subject"] == "Vårdgarantin riskeras: Medicinsk bedömning inom 3 dagar i ärende C-7K3M9Q2XH4TB"


async def test_no_slots_naming_an_unknown_head_still_reaches_the_searched_units_heads_and_kc_head(svc: Notifications):
    event = ev.no_slots("C-7K3M9Q2XH4TB", NOW)
    odd = event.model_copy(update={"payload": event.payload.model_copy(update={"head_of_unit_refs": ["S-NOBODY"]})})
    svc.apply(odd)
    await svc.send_due()
    to = sorted(r for rcpts, _ in svc.smtp.messages for r in rcpts)
    assert to == ["chef.mariehem@rvn.example.se", "chef.sorsele@rvn.example.se", "kc-chef@rvn.example.se"]
