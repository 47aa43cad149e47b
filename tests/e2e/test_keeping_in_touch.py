"""Issue 27's proof over the real broker, the five services as processes and the embedded default's stand-ins:
an EDI referrer receives schema-valid FHIR R4 Task updates at each step; a returned referral reaches its referrer
and closes the case; a family needing an interpreter gets a time booked with one (after the agency first had
none) and a confirmation in their language; the figures count both."""
from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.task import Task

from kontakt.client import Journey, Staff, personnummer
from tests.e2e.conftest import RunningSystem
from tests.e2e.test_journey import eventually
from tests.unit.intake.helpers import bundle

pytestmark = pytest.mark.broker
HSA = "urn:oid:1.2.752.29.4.19"


@pytest.fixture(scope="module")
def journey(running_system: RunningSystem) -> Journey:
    return Journey(Staff({name: running_system.url(name) for name in running_system.system.ports},
                         running_system.issuer))


def tasks_for(rs: RunningSystem, service_request: str) -> list[dict[str, Any]]:
    """The Tasks the message exchange's stand-in delivered about one referral, in order."""
    return [m["resource"] for m in rs.sent("exchange")
            if m["resource"].get("basedOn", [{}])[0].get("identifier", {}).get("value") == service_request]


def steps_of(tasks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(t["status"], t["businessStatus"]["coding"][0]["code"]) for t in tasks]


def test_an_edi_referrer_receives_a_valid_fhir_task_at_each_step(running_system: RunningSystem,
                                                                  journey: Journey) -> None:
    rng = random.Random(2701)
    now = datetime.now(UTC)
    sr = f"sr-{uuid.uuid4().hex[:10]}"
    doc = bundle(personnummer(date(now.year - 12, 4, 2), rng, female=True), authored=now.date().isoformat(),
                 sr_id=sr, district="2480")  # Umeå
    doc["entry"][2]["resource"]["identifier"] = [{"system": HSA, "value": "SE2321000222-HC0042"}]
    intake = running_system.client("intake", "ops")
    r = intake.post("/api/referrals/fhir", json=doc, headers={"Content-Type": "application/fhir+json"})
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "bup")  # the second assessment is not news to the referrer
    journey.add_slot("bup-umea", now + timedelta(days=8), profession="psychologist")
    assert journey.decide(case_id)["level"] == "bup"
    assert journey.book_first_offer(case_id) is not None
    eventually(lambda: len(tasks_for(running_system, sr)) >= 4)
    closed = running_system.client("intake", "call_handler").post(f"/api/cases/{case_id}/close",
                                                                   json={"reason": "completed"})
    assert closed.status_code == 201, closed.text
    tasks = eventually(lambda: (t := tasks_for(running_system, sr)) and len(t) >= 5 and t)
    assert steps_of(tasks) == [("received", "received"), ("in-progress", "assessed"), ("in-progress", "decided"),
                               ("in-progress", "booked"), ("completed", "closed")]
    for task in tasks:
        Task.model_validate(task)  # schema-valid FHIR R4 (fhir.resources' R4B Task is R4's, element for element)
        assert task["requester"]["identifier"]["value"] == "SE2321000222-HC0042"
        assert task["identifier"][0]["value"] == case_id and task["id"] == tasks[0]["id"]
    assert tasks[2]["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "bup"
    delivered = [m for m in running_system.sent("exchange") if m["resource"] in tasks]
    assert {m["to"] for m in delivered} == {"SE2321000222-HC0042"}
    text = json.dumps(tasks, ensure_ascii=False)
    assert "Anna" not in text and "+4670" not in text and "P-" not in text  # status only: no one named


def test_a_returned_referral_reaches_its_referrer_and_closes_the_case(running_system: RunningSystem,
                                                                       journey: Journey) -> None:
    rng = random.Random(2702)
    now = datetime.now(UTC)
    sr, phone = f"sr-{uuid.uuid4().hex[:10]}", "+46705552702"
    advice = "Sömnråd och samtal med skolsköterskan räcker nu; remittera igen om det inte blir bättre."
    r = running_system.client("intake", "ops").post("/api/referrals", json={
        "channel": "edi", "source": "healthcare", "authored_on": now.date().isoformat(), "external_ref": sr,
        "requester_ref": "SE2321000222-HC0077", "reason_codes": ["sleep"],
        "child": {"identity_number": personnummer(date(now.year - 9, 6, 6), rng, female=False),
                  "municipality": "Skellefteå"},
        "contact": {"phone": phone, "preferred_channel": "sms"}})
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    clinician = running_system.client("intake", "clinician", licensed=True)
    returned = clinician.post(f"/api/cases/{case_id}/return", json={"reason": "advice_enough", "advice": advice})
    assert returned.status_code == 201, returned.text
    case = clinician.get(f"/api/cases/{case_id}").json()
    assert (case["status"], case["closed_reason"]) == ("closed", "returned")
    tasks = eventually(lambda: (t := tasks_for(running_system, sr)) and t[-1]["status"] == "rejected" and t)
    last = tasks[-1]
    Task.model_validate(last)
    assert last["statusReason"]["coding"][0]["code"] == "advice_enough" and last["note"][0]["text"] == advice
    assert ("completed", "closed") not in steps_of(tasks)  # the closing says nothing the return did not
    family = eventually(lambda: [m for m in running_system.sent("sms") if m.get("to") == phone])
    assert "skickat tillbaka" in family[0]["text"] and advice not in family[0]["text"]
    kpi = running_system.client("kpi", "kpi_analyst")
    month = now.strftime("%Y-%m")

    def returned_counted() -> bool:
        rows = kpi.get("/api/kpi/figures/returned_referrals", params={"from": month, "to": month,
                                                                       "by": "reason"}).json()["rows"]
        return any(r["reason"] == "advice_enough" and r["returned"] >= 1 for r in rows)
    assert eventually(returned_counted)


def test_a_family_needing_an_interpreter_gets_a_time_with_one_and_a_confirmation_in_their_language(
        running_system: RunningSystem, journey: Journey) -> None:
    rng = random.Random(2703)
    now = datetime.now(UTC)
    roster = running_system.data_dir / "interpreting.json"
    roster.write_text(json.dumps({"fi": 0}))  # the agency has no Finnish interpreter free, for now
    call_id, phone = f"call-tolk-{rng.randint(0, 10**9)}", "+46705552703"
    journey.call(call_id, [("CallOffered", now - timedelta(minutes=5)), ("CallAnswered", now - timedelta(minutes=4))])
    opened = running_system.client("intake", "call_handler").post("/api/cases/from-call", json={
        "call_id": call_id, "source": "guardian", "language": "fi", "interpreter_needed": True,
        "child": {"identity_number": personnummer(date(now.year - 10, 2, 2), rng, female=True), "municipality": "Malå"},
        "contact": {"phone": phone, "preferred_channel": "sms"}})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case_id"]
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "primary_care")
    journey.add_slot("hc-mala", now + timedelta(days=3), profession="counsellor")
    assert journey.decide(case_id)["level"] == "primary_care"
    offers = journey.offers(case_id)
    assert offers["interpreter"] == {"language": "fi"}
    booking = running_system.client("booking", "call_handler")
    slot = offers["offers"][0]["slot_id"]
    hold = booking.post("/api/holds", json={"case_id": case_id, "slot_id": slot}).json()
    refused = booking.post(f"/api/holds/{hold['hold_token']}/confirm", json={})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "interpreter_unavailable"

    roster.write_text(json.dumps({"fi": 1}))  # an interpreter is free now: the same time, booked with one
    hold = booking.post("/api/holds", json={"case_id": case_id, "slot_id": slot}).json()
    booked = booking.post(f"/api/holds/{hold['hold_token']}/confirm", json={})
    assert booked.status_code == 201, booked.text
    assert booked.json()["interpreter"]["language"] == "fi"
    agency = [b for b in running_system.sent("interpreting") if b["booking_id"] == booked.json()["interpreter"]["agency_ref"]]
    assert agency and agency[0]["unit_id"] == "hc-mala" and case_id not in json.dumps(agency)
    sms = eventually(lambda: [m for m in running_system.sent("sms") if m.get("to") == phone])
    assert "Lapsellenne on varattu aika" in sms[0]["text"] and "Käynnille on varattu tulkki." in sms[0]["text"]
    kpi = running_system.client("kpi", "kpi_analyst")
    month = now.strftime("%Y-%m")

    def counted() -> dict[str, Any] | None:
        rows = kpi.get("/api/kpi/figures/interpreters", params={"from": month, "to": month}).json()["rows"]
        row = next((r for r in rows if r["period"] == month), None)
        return row if row and row["first_visit_with_interpreter"] >= 1 and row["not_offered_for_language"] >= 1 \
            else None
    row = eventually(counted)
    assert row["needing_interpreter"] >= 1 and row["times_not_offered"] >= 1


def _waiting_family(journey: Journey, rng: random.Random, phone: str) -> str:
    """A child in Sorsele decided for primary care with no time within the promise: on the waiting list."""
    now = datetime.now(UTC)
    opened = journey.edi_referral({"identity_number": personnummer(date(now.year - 9, 1, 9), rng, female=False),
                                   "municipality": "Sorsele"}, {"phone": phone, "preferred_channel": "sms"}, now.date())
    case_id = opened["case_id"]
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "primary_care")
    assert journey.decide(case_id)["level"] == "primary_care"
    return case_id


def test_a_waiting_family_is_checked_in_with_and_worse_or_a_risk_reaches_staff_today(
        running_system: RunningSystem, journey: Journey) -> None:
    from kontakt.democlock import DemoClock

    rng = random.Random(2704)
    worse_phone, risk_phone = "+46705552705", "+46705552706"
    worse_case, risk_case = _waiting_family(journey, rng, worse_phone), _waiting_family(journey, rng, risk_phone)
    booking = running_system.client("booking", "kc_head")
    eventually(lambda: {worse_case, risk_case} <= {w["case_id"] for w in booking.get("/api/waiting-list").json()})
    notifications = running_system.client("notifications", "ops")
    before = len(running_system.sent("sms")) + len(running_system.sent("mail"))
    with DemoClock(running_system.data_dir / "clock.json").held() as clock:
        clock.set(datetime.now(UTC) + timedelta(days=15))  # the policy's day 14 has come

        def link(phone: str) -> str | None:
            sms = [m for m in running_system.sent("sms") if m.get("to") == phone and "/svar/" in m["text"]]
            return sms[0]["text"].split("/svar/")[1].split()[0] if sms else None
        worse_token, risk_token = eventually(lambda: link(worse_phone)), eventually(lambda: link(risk_phone))
        for token, answers in ((worse_token, {"how": "worse", "still_wanted": True, "risk": False,
                                              "worry": "Han sover inte och vill inte gå till skolan."}),
                               (risk_token, {"how": "same", "still_wanted": True, "risk": True, "worry": ""})):
            r = notifications.post(f"/api/checkins/{token}/answers", json=answers)
            assert r.status_code == 201, r.text

        # worse and the risk question are on the staff's list to call today, the risk first; nothing else changed
        intake = running_system.client("intake", "clinician")
        calls = eventually(lambda: (c := intake.get("/api/call-today").json()["calls"])
                           and {worse_case, risk_case} <= {x["case_id"] for x in c} and c)
        mine = [(x["case_id"], x["reason"]) for x in calls if x["case_id"] in (worse_case, risk_case)]
        assert mine == [(risk_case, "risk"), (worse_case, "worse")]
        assert intake.get(f"/api/cases/{worse_case}").json()["status"] == "open"

        # the risk answer raised the usual escalation: the clinician on duty is alerted about that case
        def alerted() -> bool:
            sent = running_system.sent("sms") + running_system.sent("mail")
            return any(risk_case in json.dumps(m, ensure_ascii=False) for m in sent[before:])
        assert eventually(alerted)
    words = running_system.client("notifications", "clinician").get(f"/api/cases/{worse_case}/checkins").json()
    assert words[0]["how"] == "worse" and words[0]["worry"].startswith("Han sover inte")
