"""One child, one open case; idempotent submissions; calls; advice; the work queue; audited reads."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from services.chassis.clock import STOCKHOLM
from services.chassis.tables import AuditRecord

from .helpers import PDF, bundle, edi_form, of_case, outbox, paper_form, pnr

CHILD = pnr(date(2012, 5, 17))


async def _paper(intake, form, key=None):  # type: ignore[no-untyped-def]
    headers = intake.auth("call_handler") | ({"Idempotency-Key": key} if key else {})
    return await intake.http.post("/api/referrals/paper", headers=headers,
                                  files={"scan": ("r.pdf", PDF, "application/pdf")}, data={"referral": json.dumps(form)})


async def test_same_child_twice_is_linked_and_earliest_clock_wins(intake_any_db):  # type: ignore[no-untyped-def]
    intake = intake_any_db
    first = await intake.post("/api/referrals", edi_form(CHILD, authored="2023-03-10"), role="ops")
    case_id = first.json()["case_id"]
    second = await _paper(intake, paper_form(CHILD, written="2023-03-06", arrived="2023-03-13"))
    assert second.status_code == 201, second.text
    assert second.json()["case_id"] == case_id and second.json()["status"] == "linked"
    events = outbox(intake.rt.db.engine)
    assert of_case(events, case_id) == ["ReferralReceived", "CaseLinked", "PaperReferralDigitised"]
    link = events[1].payload
    assert link.linked_channel == "paper" and link.effective_clock_start == datetime(2023, 3, 6, tzinfo=STOCKHOLM)
    assert link.contact is not None and link.contact.key_id == events[0].payload.child.patient_ref
    case = (await intake.get(f"/api/cases/{case_id}")).json()
    assert case["clock_start"].startswith("2023-03-06") or datetime.fromisoformat(case["clock_start"]) == \
        datetime(2023, 3, 6, tzinfo=STOCKHOLM)
    assert [c["linked"] for c in case["contacts"]] == [False, True]


async def test_a_later_contact_does_not_move_the_clock_forward(intake):  # type: ignore[no-untyped-def]
    first = await intake.post("/api/referrals", edi_form(CHILD, authored="2023-03-06"), role="ops")
    await intake.post("/api/referrals", edi_form(CHILD, authored="2023-03-13", external_ref="sr-2"), role="ops")
    link = outbox(intake.rt.db.engine)[-1]
    assert link.event_type == "CaseLinked" and link.case_id == first.json()["case_id"]
    assert link.payload.effective_clock_start == datetime(2023, 3, 6, tzinfo=STOCKHOLM)


async def test_idempotency_key_returns_the_same_case_once(intake_any_db):  # type: ignore[no-untyped-def]
    intake = intake_any_db
    a = await intake.post("/api/referrals", edi_form(CHILD), role="ops", key="k-1")
    b = await intake.post("/api/referrals", edi_form(CHILD), role="ops", key="k-1")
    assert a.status_code == 201 and b.status_code == 200 and b.headers["Idempotent-Replayed"] == "true"
    assert a.json() == b.json()
    assert [e.event_type for e in outbox(intake.rt.db.engine)] == ["ReferralReceived"]


async def test_same_key_with_other_content_is_refused(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/referrals", edi_form(CHILD), role="ops", key="k-2")
    r = await intake.post("/api/referrals", edi_form(CHILD, reason_codes=["sleep"]), role="ops", key="k-2")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "idempotency_conflict"
    assert len(outbox(intake.rt.db.engine)) == 1


async def test_resent_edi_referral_without_key_lands_on_the_same_case(intake):  # type: ignore[no-untyped-def]
    a = await intake.post("/api/referrals/fhir", bundle(CHILD), role="ops")
    b = await intake.post("/api/referrals/fhir", bundle(CHILD), role="ops")
    assert a.json()["case_id"] == b.json()["case_id"] and b.status_code == 200
    assert len(outbox(intake.rt.db.engine)) == 1


async def test_duplicate_paper_submission_with_key_stores_one_case(intake):  # type: ignore[no-untyped-def]
    a = await _paper(intake, paper_form(CHILD), key="scan-7")
    b = await _paper(intake, paper_form(CHILD), key="scan-7")
    assert a.json() == b.json() and b.status_code == 200
    assert [e.event_type for e in outbox(intake.rt.db.engine)] == ["ReferralReceived", "PaperReferralDigitised"]


# -- telephony -------------------------------------------------------------------------------------
def _step(call_id: str, step: str, at: datetime, line: str = "public_1177") -> dict[str, str]:
    return {"call_id": call_id, "line": line, "step": step, "at": at.isoformat()}


T0 = datetime(2023, 3, 14, 8, 2, tzinfo=STOCKHOLM)


async def test_repeated_call_step_is_recorded_once(intake_any_db):  # type: ignore[no-untyped-def]
    intake = intake_any_db
    a = await intake.post("/api/telephony/events", _step("c-1", "CallOffered", T0), role="ops")
    b = await intake.post("/api/telephony/events", _step("c-1", "CallOffered", T0), role="ops")
    assert (a.status_code, b.status_code) == (201, 200)
    assert a.json()["event_id"] == b.json()["event_id"] and b.json()["status"] == "duplicate"
    [ev] = outbox(intake.rt.db.engine)
    assert ev.event_type == "CallOffered" and ev.case_id is None and ev.key == "c-1" and ev.occurred_at == T0


async def test_call_steps_out_of_order_are_kept_with_their_own_times(intake):  # type: ignore[no-untyped-def]
    for step, at in (("CallAnswered", T0 + timedelta(minutes=4)), ("CallQueued", T0 + timedelta(seconds=5)),
                     ("CallOffered", T0)):
        assert (await intake.post("/api/telephony/events", _step("c-2", step, at), role="ops")).status_code == 201
    steps = (await intake.get("/api/calls/c-2")).json()["steps"]
    assert [s["step"] for s in steps] == ["CallOffered", "CallQueued", "CallAnswered"]
    r = await intake.post("/api/cases/from-call", {"call_id": "c-2", "source": "guardian",
                                                   "child": {"identity_number": CHILD, "municipality": "Umeå"}})
    assert r.status_code == 201, r.text
    received = outbox(intake.rt.db.engine)[-1]
    assert received.payload.clock_start == T0 and received.payload.channel == "phone"
    assert received.payload.call_id == "c-2"


async def test_case_cannot_be_opened_from_unanswered_or_unknown_call(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/telephony/events", _step("c-3", "CallAbandoned", T0), role="ops")
    body = {"call_id": "c-3", "child": {"identity_number": CHILD, "municipality": "Umeå"}}
    r = await intake.post("/api/cases/from-call", body)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "call_not_answered"
    r = await intake.post("/api/cases/from-call", {**body, "call_id": "nope"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_call"


async def test_callback_opens_case_clocked_at_the_first_call(intake):  # type: ignore[no-untyped-def]
    later = T0 + timedelta(hours=1)  # the clock reads 09:30
    for step, at in (("CallOffered", T0), ("CallbackScheduled", T0 + timedelta(minutes=9)), ("CallbackMade", later)):
        r = await intake.post("/api/telephony/events", _step("c-4", step, at, "partner_external"), role="ops")
        assert r.status_code == 201, r.text
    r = await intake.post("/api/cases/from-call", {"call_id": "c-4", "source": "social_services",
                                                   "child": {"identity_number": CHILD, "municipality": "Umeå"}})
    assert r.status_code == 201, r.text
    ev = outbox(intake.rt.db.engine)[-1]
    assert (ev.payload.channel, ev.payload.source, ev.payload.clock_start) == ("partner", "social_services", T0)


async def test_answered_calls_without_a_case_are_listed_for_call_handlers(intake_any_db):  # type: ignore[no-untyped-def]
    intake = intake_any_db
    steps = {"c-ans": [("CallOffered", T0), ("CallAnswered", T0 + timedelta(minutes=3))],
             "c-taken": [("CallOffered", T0), ("CallAnswered", T0 + timedelta(minutes=1))],
             "c-lost": [("CallOffered", T0), ("CallAbandoned", T0 + timedelta(minutes=2))],
             "c-old": [("CallOffered", T0 - timedelta(hours=20)), ("CallAnswered", T0 - timedelta(hours=20))]}
    for call_id, seq in steps.items():
        for step, at in seq:
            assert (await intake.post("/api/telephony/events", _step(call_id, step, at), role="ops")).status_code == 201
    r = await intake.post("/api/cases/from-call", {"call_id": "c-taken", "source": "guardian",
                                                   "child": {"identity_number": CHILD, "municipality": "Umeå"}})
    assert r.status_code == 201, r.text
    listed = (await intake.get("/api/calls")).json()
    assert [c["call_id"] for c in listed] == ["c-ans"]  # not taken, not unanswered, not older than 12 hours
    assert listed[0]["queue_wait_s"] == 180 and listed[0]["line"] == "public_1177"
    assert "c-old" in [c["call_id"] for c in (await intake.get("/api/calls?hours=24")).json()]
    assert (await intake.get("/api/calls", role="kpi_analyst")).status_code == 403


async def test_future_call_time_and_unknown_step_are_refused(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/telephony/events", _step("c-5", "CallOffered", T0 + timedelta(days=1)), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "future"
    r = await intake.post("/api/telephony/events", _step("c-5", "CallTeleported", T0), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "step"
    r = await intake.post("/api/telephony/events", {**_step("c-5", "CallOffered", T0), "at": "2023-03-14T08:00"},
                          role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at"
    assert outbox(intake.rt.db.engine) == []


# -- advice, signposting, interview, queue ---------------------------------------------------------
async def _open(intake, identity=CHILD, authored="2023-03-10", ref="sr-1"):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(identity, authored=authored, external_ref=ref), role="ops")
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


async def test_licensed_advice_is_a_medical_assessment(intake):  # type: ignore[no-untyped-def]
    case_id = await _open(intake)
    r = await intake.post(f"/api/cases/{case_id}/advice", {"topic_codes": ["sleep"]}, role="clinician",
                          subject="S-DOC1")
    assert r.status_code == 201, r.text
    given, assessed = outbox(intake.rt.db.engine)[-2:]
    assert given.event_type == "AdviceGiven" and given.payload.licensed and given.payload.by_staff_ref == "S-DOC1"
    assert assessed.event_type == "MedicalAssessmentRecorded" and assessed.payload.kind == "advice"
    assert assessed.payload.assessed_at == intake.clock.now() and assessed.causation_id == given.event_id


async def test_advice_by_unlicensed_staff_is_refused(intake):  # type: ignore[no-untyped-def]
    case_id = await _open(intake)
    r = await intake.post(f"/api/cases/{case_id}/advice", {"topic_codes": []}, role="call_handler")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_licensed"
    r = await intake.post(f"/api/cases/{case_id}/advice", {}, role="clinician", licensed=False)
    assert r.status_code == 422
    assert of_case(outbox(intake.rt.db.engine), case_id) == ["ReferralReceived"]


async def test_signposting_closes_case_and_next_contact_opens_a_new_one(intake):  # type: ignore[no-untyped-def]
    case_id = await _open(intake)
    r = await intake.post(f"/api/cases/{case_id}/signposting", {"destination": "parish"})
    assert r.status_code == 201, r.text
    assert of_case(outbox(intake.rt.db.engine), case_id) == ["ReferralReceived", "Signposted", "CaseClosed"]
    r = await intake.post(f"/api/cases/{case_id}/advice", {}, role="clinician")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "case_closed"
    again = await _open(intake, ref="sr-9")
    assert again != case_id


async def test_interview_is_scheduled_in_the_future_only(intake):  # type: ignore[no-untyped-def]
    case_id = await _open(intake)
    when = intake.clock.now() + timedelta(days=2)
    r = await intake.post(f"/api/cases/{case_id}/interview", {"scheduled_for": when.isoformat()})
    assert r.status_code == 201
    assert outbox(intake.rt.db.engine)[-1].payload.scheduled_for == when
    r = await intake.post(f"/api/cases/{case_id}/interview",
                          {"scheduled_for": (intake.clock.now() - timedelta(hours=1)).isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "in_past"


async def test_unknown_case_answers_404(intake):  # type: ignore[no-untyped-def]
    assert (await intake.get("/api/cases/C-000000000000")).status_code == 404
    assert (await intake.post("/api/cases/C-000000000000/advice", {}, role="clinician")).status_code == 404


async def test_work_queue_oldest_clock_first_with_days_and_risk(intake):  # type: ignore[no-untyped-def]
    # today is 2023-03-14: day 4 (promise broken), day 2 (at risk), day 0 (fine)
    old = await _open(intake, pnr(date(2012, 1, 1), 101), "2023-03-10", "a")
    today = await _open(intake, pnr(date(2012, 1, 2), 102), "2023-03-14", "b")
    mid = await _open(intake, pnr(date(2012, 1, 3), 103), "2023-03-12", "c")
    assessed = await _open(intake, pnr(date(2012, 1, 4), 104), "2023-03-09", "d")
    await intake.post(f"/api/cases/{assessed}/advice", {}, role="clinician")
    r = await intake.get("/api/work-queue", role="clinician")
    assert r.status_code == 200
    rows = r.json()["cases"]
    assert [c["case_id"] for c in rows] == [old, mid, today]
    assert [(c["days_since_clock_start"], c["at_risk"], c["promise_broken"]) for c in rows] == [
        (4, True, True), (2, True, False), (0, False, False)]
    assert r.json()["at_risk"] == 2


async def test_reads_of_personal_data_are_audited(intake):  # type: ignore[no-untyped-def]
    case_id = await _open(intake)
    await intake.get(f"/api/cases/{case_id}", role="coordinator")
    await intake.get("/api/work-queue", role="kc_head")
    with Session(intake.rt.db.engine) as s:
        actions = [(a.action, a.role, a.case_id) for a in s.exec(select(AuditRecord).order_by(AuditRecord.id))]
    assert ("read-case", "coordinator", case_id) in actions
    assert ("read-work-queue", "kc_head", case_id) in actions
    assert ("take-in-edi", "ops", case_id) in actions


async def test_work_queue_is_not_for_analysts(intake):  # type: ignore[no-untyped-def]
    assert (await intake.get("/api/work-queue", role="kpi_analyst")).status_code == 403
    assert (await intake.post("/api/telephony/events", _step("c-9", "CallOffered", T0))).status_code == 403


async def test_concurrent_referrals_for_one_child_make_one_case(intake_any_db):  # type: ignore[no-untyped-def]
    import asyncio

    intake = intake_any_db
    days = ["2023-03-10", "2023-03-07", "2023-03-12", "2023-03-09"]
    answers = await asyncio.gather(*(intake.post("/api/referrals", edi_form(CHILD, authored=d, external_ref=f"r{i}"),
                                                 role="ops") for i, d in enumerate(days)))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert len({a.json()["case_id"] for a in answers}) == 1
    assert sorted(a.json()["status"] for a in answers) == ["linked", "linked", "linked", "opened"]
    case = (await intake.get(f"/api/cases/{answers[0].json()['case_id']}")).json()
    assert datetime.fromisoformat(case["clock_start"]) == datetime(2023, 3, 7, tzinfo=STOCKHOLM)


async def test_call_on_1177_cannot_be_registered_as_a_partner_contact(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/telephony/events", _step("c-6", "CallAnswered", T0), role="ops")
    r = await intake.post("/api/cases/from-call", {"call_id": "c-6", "source": "social_services",
                                                   "child": {"identity_number": CHILD, "municipality": "Umeå"}})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "source_for_line"


async def test_case_from_the_same_call_twice_is_the_same_case(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/telephony/events", _step("c-7", "CallAnswered", T0), role="ops")
    body = {"call_id": "c-7", "source": "guardian", "child": {"identity_number": CHILD, "municipality": "Umeå"}}
    a = await intake.post("/api/cases/from-call", body)
    b = await intake.post("/api/cases/from-call", body)
    assert a.json()["case_id"] == b.json()["case_id"] and b.status_code == 200
    assert [e.event_type for e in outbox(intake.rt.db.engine)] == ["CallAnswered", "ReferralReceived"]
