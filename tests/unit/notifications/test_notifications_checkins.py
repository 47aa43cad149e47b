"""Check-ins with waiting families: on the policy's days (14 days on the waiting list, then every 21; BUP on day 21
unless a visit comes before day 30), never in quiet hours, called off when the wait ends; the personal link works
once and expires; worse, a risk or "no longer needed" goes to staff (a risk to the clinician on duty at once);
the family's words only for staff, audited. Nothing is decided automatically."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import httpx

from contracts.booking import AppointmentBooked
from contracts.envelope import Event
from contracts.triage import CareLevelDecided, CareLevelDecidedPayload
from services.chassis.clock import STOCKHOLM
from services.notifications.domain.checkins import check_in_times
from services.notifications.rules import load_checkin_policy, load_policy
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications

POLICY = load_checkin_policy()
QUIET = (load_policy().quiet_hours.start, load_policy().quiet_hours.end)


def _waiting(svc: Notifications, since: datetime = NOW) -> str:
    ref = ev.referral(svc.settings.resolved_keyvault_url(), since)
    svc.apply(ref)
    svc.apply(ev.no_slots(ref.case_id or "", since))
    return ref.case_id or ""


def _bup(case_id: str, at: datetime) -> Event[Any]:
    return CareLevelDecided.new(case_id=case_id, occurred_at=at, payload=CareLevelDecidedPayload(
        level="bup", guide_level="bup", rules_version="1", reasons=[], lower_levels_rejected=[], override_reason=None,
        overridden=False, decided_at=at, by_staff_ref="S-1", supersedes_level=None))


def _booked_bup(case_id: str, decided: datetime, starts_in: timedelta) -> AppointmentBooked:
    booked = ev.booked(case_id, decided, starts_in=starts_in)
    assert isinstance(booked, AppointmentBooked)
    return booked


async def _send_at(svc: Notifications, at: datetime) -> list[dict[str, Any]]:
    svc.clock.at = at
    await svc.send_due()
    return svc.gateway.sms()


def _token(sms: dict[str, Any]) -> str:
    found = re.search(r"/svar/([a-z2-7]+)", sms["text"])
    assert found, sms["text"]
    return found.group(1)


async def _answer(svc: Notifications, token: str, **answers: Any) -> httpx.Response:
    body = {"how": "same", "worry": "", "still_wanted": True, "risk": False, **answers}
    return await svc.http.post(f"/api/checkins/{token}/answers", json=body, headers=svc.auth("ops"))


def test_the_policy_days_14_then_every_21_and_bup_on_day_21_at_half_past_five() -> None:
    times = check_in_times("waiting_list", NOW, POLICY, QUIET)
    days = [(t.astimezone(STOCKHOLM).date() - NOW.date()).days for t in times]
    assert days == [14, 35, 56, 77, 98, 119]
    assert {t.astimezone(STOCKHOLM).time() for t in times} == {time(17, 30)}
    [bup] = check_in_times("bup", NOW, POLICY, QUIET)
    assert (bup.astimezone(STOCKHOLM).date() - NOW.date()).days == 21


def test_never_in_quiet_hours() -> None:
    late = POLICY.model_copy(update={"send_at": time(22, 30)})
    [bup] = check_in_times("bup", NOW, late, QUIET)
    assert bup.astimezone(STOCKHOLM).time() == time(8, 0)  # the quiet hours' end, the next morning


async def test_a_waiting_family_gets_the_check_in_on_day_14_with_a_personal_link(svc: Notifications) -> None:
    _waiting(svc)
    assert await _send_at(svc, NOW + timedelta(days=13)) == []
    [sms] = await _send_at(svc, datetime.combine((NOW + timedelta(days=14)).date(), time(17, 31), tzinfo=STOCKHOLM))
    assert "vill höra hur det går" in sms["text"] and "1177" in sms["text"]
    token = _token(sms)
    r = await svc.http.get(f"/api/checkins/{token}", headers=svc.auth("ops"))
    assert r.status_code == 200 and r.json()["wait"] == "waiting_list"


async def test_a_booked_time_calls_the_check_ins_off(svc: Notifications) -> None:
    case_id = _waiting(svc)
    svc.apply(ev.booked(case_id, NOW + timedelta(days=3)))
    assert [m for m in await _send_at(svc, NOW + timedelta(days=15)) if "/svar/" in m["text"]] == []
    assert {d.status for d in svc.deliveries(case_id) if d.template == "check_in"} == {"cancelled"}


async def test_bup_check_in_unless_a_visit_comes_before_day_30(svc: Notifications) -> None:
    soon, later = ev.referral(svc.settings.resolved_keyvault_url(), NOW), ev.referral(
        svc.settings.resolved_keyvault_url(), NOW)
    for ref, starts_in in ((soon, timedelta(days=25)), (later, timedelta(days=40))):
        svc.apply(ref)
        svc.apply(_bup(ref.case_id or "", NOW))
        svc.apply(_booked_bup(ref.case_id or "", NOW, starts_in))
    statuses = {ref.case_id: {d.status for d in svc.deliveries(ref.case_id) if d.template == "check_in"}
                for ref in (soon, later)}
    assert statuses == {soon.case_id: {"cancelled"}, later.case_id: {"pending"}}


async def test_an_answer_is_published_once_and_worse_goes_to_staff_with_the_familys_words(svc: Notifications):
    case_id = _waiting(svc)
    [sms] = await _send_at(svc, NOW + timedelta(days=14, hours=9))
    token = _token(sms)
    r = await _answer(svc, token, how="worse", worry="Hon sover knappt och vill inte gå till skolan.",
                      still_wanted=True)
    assert r.status_code == 201
    [answered] = svc.published("CheckInAnswered")
    p = answered.payload
    assert answered.case_id == case_id and (p.how, p.still_wanted, p.risk, p.wait) == ("worse", True, False,
                                                                                      "waiting_list")
    assert "sover" not in answered.model_dump_json() and p.worry is not None  # the words travel sealed
    again = await _answer(svc, token)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "answered"
    seen = await svc.http.get(f"/api/cases/{case_id}/checkins", headers=svc.auth("clinician"))
    assert seen.json()[0]["worry"] == "Hon sover knappt och vill inte gå till skolan."
    assert seen.json()[0]["how"] == "worse"
    assert (await svc.http.get(f"/api/cases/{case_id}/checkins", headers=svc.auth("scheduler"))).status_code == 403


async def test_a_risk_answer_raises_the_usual_escalation_at_once(svc: Notifications) -> None:
    _waiting(svc)
    [sms] = await _send_at(svc, NOW + timedelta(days=14, hours=9))
    r = await _answer(svc, _token(sms), risk=True)
    assert r.status_code == 201 and r.json()["risk"] is True
    alerts = [d for d in svc.deliveries() if d.template == "risk_escalated"]
    assert [(a.recipient_kind, a.urgent) for a in alerts] == [("clinician_on_duty", True)]


async def test_an_expired_or_unknown_link_is_refused_kindly(svc: Notifications) -> None:
    _waiting(svc)
    [sms] = await _send_at(svc, NOW + timedelta(days=14, hours=9))
    svc.clock.at = NOW + timedelta(days=14 + 4)
    r = await _answer(svc, _token(sms))
    assert r.status_code == 410 and "1177" in r.json()["errors"][0]["sv"]
    r = await _answer(svc, "abcdefghijklmnop")
    assert r.status_code == 404


async def test_a_wait_long_past_plans_no_stale_check_ins(svc: Notifications) -> None:
    case_id = _waiting(svc, since=NOW - timedelta(days=60))  # a consumer reading history
    due = sorted(d.due_at for d in svc.deliveries(case_id) if d.template == "check_in")
    assert due and min(due) > NOW - timedelta(hours=POLICY.late_after_hours)
    assert len(due) == 3  # days 77, 98 and 119 of the six
