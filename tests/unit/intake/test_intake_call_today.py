"""Check-in answers on the staff's list to call today: worse, the risk question (first) or no longer needed land
on the open case, once; better or the same do not; a person marks each done (audited); nothing else changes."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from contracts.notifications import CheckInAnswered, CheckInAnsweredPayload
from services.chassis.tables import AuditRecord

from .conftest import NOW
from .helpers import edi_form, pnr


def _answer(case_id: str, checkin_id: str, how: str = "same", risk: bool = False, still_wanted: bool = True,
            minutes: int = 0) -> CheckInAnswered:
    return CheckInAnswered.new(case_id=case_id, occurred_at=NOW, payload=CheckInAnsweredPayload(
        checkin_id=checkin_id, wait="waiting_list", how=how, still_wanted=still_wanted, risk=risk,
        answered_at=NOW + timedelta(minutes=minutes)))


async def test_worse_risk_and_no_longer_needed_are_on_todays_list_risk_first(intake):  # type: ignore[no-untyped-def]
    cases = []
    for i, serial in enumerate((123, 234, 345, 456)):
        r = await intake.post("/api/referrals", edi_form(pnr(date(2011, 1, 1 + i), serial), external_ref=f"sr-{i}"),
                              role="ops")
        cases.append(r.json()["case_id"])
    answers = [_answer(cases[0], "N-1", how="worse", minutes=1), _answer(cases[1], "N-2", risk=True, minutes=5),
               _answer(cases[2], "N-3", still_wanted=False, minutes=3), _answer(cases[3], "N-4", how="better")]
    for a in [*answers, answers[0]]:  # a redelivery changes nothing
        intake.rt.consumers.deliver("intake.checkins", a)
    listed = (await intake.get("/api/call-today", role="clinician")).json()["calls"]
    assert [(c["case_id"], c["reason"]) for c in listed] == [(cases[1], "risk"), (cases[0], "worse"),
                                                             (cases[2], "no_longer_needed")]
    case = (await intake.get(f"/api/cases/{cases[2]}", role="clinician")).json()
    assert case["status"] == "open"  # no longer needed is staff's to close, with the family's words


async def test_a_person_marks_a_call_done_and_it_is_audited(intake):  # type: ignore[no-untyped-def]
    case_id = (await intake.post("/api/referrals", edi_form(pnr(date(2012, 2, 2))), role="ops")).json()["case_id"]
    intake.rt.consumers.deliver("intake.checkins", _answer(case_id, "N-9", how="worse"))
    r = await intake.post("/api/call-today/N-9/done", role="call_handler", subject="S-CALLER-1")
    assert r.status_code == 200 and r.json()["done_at"]
    assert (await intake.get("/api/call-today", role="clinician")).json()["calls"] == []
    with Session(intake.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(AuditRecord.action == "call-today-done")).all()
    assert [(r.case_id, r.actor) for r in rows] == [(case_id, "S-CALLER-1")]
    assert (await intake.post("/api/call-today/N-nope/done", role="call_handler")).status_code == 404


async def test_an_answer_for_a_closed_case_is_not_listed(intake):  # type: ignore[no-untyped-def]
    case_id = (await intake.post("/api/referrals", edi_form(pnr(date(2012, 3, 3))), role="ops")).json()["case_id"]
    await intake.post(f"/api/cases/{case_id}/close", {"reason": "completed"}, role="clinician")
    intake.rt.consumers.deliver("intake.checkins", _answer(case_id, "N-7", how="worse"))
    assert (await intake.get("/api/call-today", role="clinician")).json()["calls"] == []
