"""A unit's first-visit times running out: its head and the KC head are told once, in words, with no child in it."""
from __future__ import annotations

from datetime import date

from contracts.booking import SlotRunwayShort, SlotRunwayShortPayload
from tests.unit.notifications.conftest import NOW, Notifications


def runway_short(**changes: object) -> SlotRunwayShort:
    payload = SlotRunwayShortPayload(
        unit_id="hc-sorsele", unit_name="Sorsele hälsocentral", level="primary_care", promise_days=7,
        computed_on=date(2023, 3, 14), last_day=date(2023, 3, 24), last_day_low=date(2023, 3, 22),
        last_day_high=date(2023, 3, 28), working_days=8, reason="runway", gap_from=None, gap_to=None,
        demand_per_day=1.4, policy_version="2026.1", head_of_unit_refs=["S-HEAD-SORSELE"])
    return SlotRunwayShort.new(occurred_at=NOW, recorded_at=NOW, payload=payload.model_copy(update=changes))


async def test_runway_short_reaches_the_unit_head_and_the_kc_head_with_the_day(svc: Notifications):
    svc.apply(runway_short())
    await svc.send_due()
    to = sorted(r for rcpts, _ in svc.smtp.messages for r in rcpts)
    assert to == ["chef.sorsele@rvn.example.se", "kc-chef@rvn.example.se"]
    [mail] = svc.smtp.to("chef.sorsele@rvn.example.se")
    assert mail["Subject"] == "Nybesökstiderna tar snart slut: Sorsele hälsocentral"
    body = mail.get_content()
    assert "Tider räcker till och med 24 mar 2023 (22 mar 2023 – 28 mar 2023), 8 vardagar" in body
    assert "C-" not in body  # about a unit, not a child
    kinds = sorted(e.payload.recipient_kind for e in svc.published("NotificationSent"))
    assert kinds == ["kc_head", "unit_head"]


async def test_the_same_forecast_published_twice_is_told_once(svc: Notifications):
    svc.apply(runway_short())
    svc.apply(runway_short())  # the same fact under a new event id
    await svc.send_due()
    assert len(svc.smtp.messages) == 2


async def test_a_holiday_gap_names_its_days(svc: Notifications):
    svc.apply(runway_short(reason="gap", gap_from=date(2023, 12, 23), gap_to=date(2024, 1, 6), working_days=40,
                           last_day=date(2024, 2, 1)))
    await svc.send_due()
    [mail] = svc.smtp.to("kc-chef@rvn.example.se")
    assert "inga lediga nybesökstider 23 dec 2023 – 6 jan 2024" in mail.get_content()
