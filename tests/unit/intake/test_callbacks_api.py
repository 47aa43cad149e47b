"""Call-backs through intake's API: promised and told sealed, listed without numbers, taken by one staff member
only (also when many take at once, on SQLite and PostgreSQL), and ended as reached, not reached or cancelled."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from services.chassis.clock import STOCKHOLM

from .conftest import NOW
from .helpers import outbox, outbox_bytes, pnr

NUMBER = "+46701740605"


def request(call_id: str, reason: str = "queue_full", at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    return {"call_id": call_id, "line": "public_1177", "reason": reason, "number": "070-174 06 05",
            "at": (at or NOW - timedelta(minutes=1)).isoformat(), **extra}


async def promised(intake, call_id: str = "cb-1", **kw: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await intake.post("/api/telephony/callbacks", request(call_id, **kw), role="ops")
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_full_queue_caller_is_promised_a_window_told_with_the_number_sealed(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    assert (cb["window_start"], cb["same_day"]) == (datetime(2023, 3, 14, 10, tzinfo=STOCKHOLM).isoformat(), True)
    step, promise = outbox(intake.rt.db.engine)
    assert (step.event_type, step.key, step.case_id) == ("QueueFull", "cb-1", None)
    assert promise.event_type == "CallbackPromised" and promise.key == "cb-1"
    p = promise.payload
    assert (p.callback_id, p.reason, p.window_end.hour, p.policy_version) == (cb["callback_id"], "queue_full", 11, "2026.1")
    assert p.contact.key_id == cb["callback_id"]
    assert intake.app.state.deps.vault.open(p.contact)["phone"] == NUMBER  # what notifications will open
    for shown in (NUMBER, "1740605", "174 06 05"):
        assert shown.encode() not in outbox_bytes(intake.rt.db.engine)


async def test_the_platforms_retry_gets_the_first_promise_and_nothing_is_told_twice(intake):  # type: ignore[no-untyped-def]
    first = await promised(intake)
    again = await intake.post("/api/telephony/callbacks", request("cb-1"), role="ops")
    assert again.status_code == 200 and again.json()["callback_id"] == first["callback_id"]
    assert [e.event_type for e in outbox(intake.rt.db.engine)] == ["QueueFull", "CallbackPromised"]


async def test_a_chosen_call_back_records_the_scheduled_step_and_keeps_the_callers_window(intake):  # type: ignore[no-untyped-def]
    window = {"start": "2023-03-14T13:00:00+01:00", "end": "2023-03-14T15:00:00+01:00"}
    cb = await promised(intake, reason="chosen", window=window)
    assert cb["window_start"] == "2023-03-14T13:00:00+01:00"
    step, promise = outbox(intake.rt.db.engine)
    assert step.event_type == "CallbackScheduled" and promise.payload.chosen_window_kept is True


async def test_a_request_from_the_future_or_a_window_already_past_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/telephony/callbacks", request("cb-f", at=NOW + timedelta(hours=1)), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "future"
    past = {"start": "2023-03-14T06:00:00+01:00", "end": "2023-03-14T07:00:00+01:00"}
    r = await intake.post("/api/telephony/callbacks", request("cb-p", window=past), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "window_past"
    r = await intake.post("/api/telephony/callbacks", {**request("cb-n"), "number": "12"}, role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "number"
    assert outbox(intake.rt.db.engine) == []
    assert (await intake.post("/api/telephony/callbacks", request("cb-r"), role="clinician")).status_code == 403


async def test_the_list_puts_the_first_due_on_top_marks_the_overdue_and_shows_no_number(intake):  # type: ignore[no-untyped-def]
    late = await promised(intake, "cb-late", at=NOW - timedelta(hours=2))  # 07:30 -> promised 08-09
    soon = await promised(intake, "cb-soon")
    r = await intake.get("/api/callbacks")
    listed = r.json()["callbacks"]
    assert [c["callback_id"] for c in listed] == [late["callback_id"], soon["callback_id"]]
    assert [c["overdue"] for c in listed] == [True, False] and r.json()["overdue"] == 1
    assert NUMBER not in r.text and "174" not in r.text
    assert (await intake.get("/api/callbacks", role="kpi_analyst")).status_code == 403


async def test_taking_gives_the_number_to_one_staff_member_and_refuses_a_colleague(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    path = f"/api/callbacks/{cb['callback_id']}/take"
    mine = await intake.post(path, role="call_handler", subject="S-ANNA")
    assert mine.status_code == 200 and mine.json()["number"] == NUMBER
    theirs = await intake.post(path, role="clinician", subject="S-BO")
    assert theirs.status_code == 409 and theirs.json()["errors"][0]["code"] == "already_taken"
    assert (await intake.post(path, role="call_handler", subject="S-ANNA")).status_code == 200  # a reload
    intake.clock.advance(minutes=21)  # the take has lapsed: a colleague may ring it
    assert (await intake.post(path, role="clinician", subject="S-BO")).status_code == 200
    listed = (await intake.get("/api/callbacks")).json()["callbacks"]
    assert listed[0]["taken"] is True


async def test_many_staff_taking_the_same_call_back_at_once_exactly_one_wins(intake_any_db):  # type: ignore[no-untyped-def]
    intake = intake_any_db
    for round_ in range(3):
        cb = await promised(intake, f"cb-race-{round_}")
        path = f"/api/callbacks/{cb['callback_id']}/take"
        answers = await asyncio.gather(*(intake.post(path, role="call_handler", subject=f"S-{n}") for n in range(8)))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200] + [409] * 7, [a.text for a in answers]
        assert sum(1 for a in answers if a.status_code == 200 and a.json()["number"] == NUMBER) == 1


async def _take_and_end(intake, cb: dict[str, Any], outcome: str, who: str = "S-ANNA") -> Any:  # type: ignore[no-untyped-def]
    assert (await intake.post(f"/api/callbacks/{cb['callback_id']}/take", subject=who)).status_code == 200
    return await intake.post(f"/api/callbacks/{cb['callback_id']}/outcome", {"outcome": outcome}, subject=who)


async def test_three_tries_without_an_answer_fail_it_and_ask_the_family_to_call(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    first = await _take_and_end(intake, cb, "not_reached")
    assert first.json()["next_try_at"] == "2023-03-14T10:00:00+01:00"  # 09:30 + 30 minutes
    listed = (await intake.get("/api/callbacks")).json()["callbacks"]
    assert listed[0]["due_at"] == "2023-03-14T10:00:00+01:00" and listed[0]["tries"] == 1
    intake.clock.advance(minutes=30)
    assert (await _take_and_end(intake, cb, "not_reached")).json()["next_try_at"] == "2023-03-14T11:30:00+01:00"
    intake.clock.advance(minutes=90)
    last = await _take_and_end(intake, cb, "not_reached")
    assert last.json()["status"] == "failed" and last.json()["next_try_at"] is None
    types = [e.event_type for e in outbox(intake.rt.db.engine)]
    assert types == ["QueueFull", "CallbackPromised"] + ["CallbackAttempted"] * 3 + ["CallbackFailed"]
    failed = outbox(intake.rt.db.engine)[-1]
    assert failed.payload.tries == 3 and failed.payload.contact.key_id == cb["callback_id"]
    assert (await intake.get("/api/callbacks")).json()["callbacks"] == []
    again = await intake.post(f"/api/callbacks/{cb['callback_id']}/take")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "callback_ended"


async def test_reached_becomes_the_usual_call_a_case_opens_from(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    r = await _take_and_end(intake, cb, "reached")
    assert r.json()["status"] == "reached" and r.json()["call_id"] == "cb-1"
    tried, made = outbox(intake.rt.db.engine)[-2:]
    assert (tried.event_type, tried.payload.outcome, tried.payload.attempt) == ("CallbackAttempted", "reached", 1)
    assert made.event_type == "CallbackMade" and made.key == "cb-1"
    case = await intake.post("/api/cases/from-call", {"call_id": "cb-1", "source": "guardian", "contact": {
        "phone": NUMBER}, "child": {"identity_number": pnr(datetime(2012, 5, 17).date()), "municipality": "Umeå"}})
    assert case.status_code == 201, case.text
    received = outbox(intake.rt.db.engine)[-1]
    assert received.payload.clock_start == NOW - timedelta(minutes=1)  # the clock started when the caller rang


async def test_a_cancelled_call_back_leaves_the_list_and_only_the_holder_may_end_a_try(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    assert (await intake.post(f"/api/callbacks/{cb['callback_id']}/take", subject="S-ANNA")).status_code == 200
    r = await intake.post(f"/api/callbacks/{cb['callback_id']}/outcome", {"outcome": "reached"}, subject="S-BO")
    assert r.status_code == 409
    r = await intake.post(f"/api/callbacks/{cb['callback_id']}/outcome", {"outcome": "cancelled"}, subject="S-ANNA")
    assert r.json()["status"] == "cancelled"
    assert outbox(intake.rt.db.engine)[-1].event_type == "CallbackCancelled"
    assert (await intake.get("/api/callbacks")).json()["callbacks"] == []
    r = await intake.post("/api/callbacks/CB-000000000000/take")
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "not_found"


async def test_a_released_call_back_is_free_for_a_colleague(intake):  # type: ignore[no-untyped-def]
    cb = await promised(intake)
    await intake.post(f"/api/callbacks/{cb['callback_id']}/take", subject="S-ANNA")
    assert (await intake.post(f"/api/callbacks/{cb['callback_id']}/release", subject="S-ANNA")).status_code == 200
    assert (await intake.post(f"/api/callbacks/{cb['callback_id']}/take", subject="S-BO")).status_code == 200
