"""Return with advice: a licensed professional returns a referral with a coded reason and advice; the advice is
kept and travels sealed, the case closes as returned, the referrer's address is on the referral's event; a
call, an unlicensed hand, an unknown reason or a closed case are refused."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from services.chassis.clock import STOCKHOLM
from services.chassis.privacy import KeyVault

from .helpers import PDF, bundle, edi_form, of_case, outbox, outbox_bytes, paper_form, pnr
from .test_intake_school_referrals import school_form, send

CHILD = pnr(date(2012, 5, 17))
ADVICE = "Pröva först samtal med skolkuratorn och återkom om det inte hjälper."
RETURN = {"reason": "school_first", "advice": ADVICE}


async def _returned(intake, case_id: str, body: dict = RETURN, role: str = "clinician", licensed: bool = True):  # type: ignore[no-untyped-def, type-arg]
    return await intake.post(f"/api/cases/{case_id}/return", body, role=role, licensed=licensed)


async def test_a_returned_referral_closes_the_case_with_its_reason_and_sealed_advice(intake):  # type: ignore[no-untyped-def]
    opened = (await intake.post("/api/referrals", edi_form(CHILD, requester_ref="SE2321000222-HC0042"),
                                role="ops")).json()
    case_id = opened["case_id"]
    r = await _returned(intake, case_id)
    assert r.status_code == 201, r.text
    assert r.json()["closed_reason"] == "returned"
    events = outbox(intake.rt.db.engine)
    assert of_case(events, case_id) == ["ReferralReceived", "ReferralReturned", "MedicalAssessmentRecorded",
                                        "CaseClosed"]
    received, returned, _, closed = events
    assert received.payload.referrer.kind == "edi"
    assert received.payload.referrer.organisation_ref == "SE2321000222-HC0042"
    assert received.payload.referrer.service_request_ref == "sr-1"
    assert (returned.payload.reason, returned.payload.reasons_version, returned.payload.licensed) == (
        "school_first", "2026.1", True)
    assert closed.payload.reason == "returned" and closed.causation_id == returned.event_id
    assert ADVICE.encode() not in outbox_bytes(intake.rt.db.engine)  # free text never open on the bus
    vault = KeyVault(intake.rt.settings.resolved_keyvault_url(), "notifications")
    assert vault.open(returned.payload.advice) == {"advice": ADVICE}
    case = (await intake.get(f"/api/cases/{case_id}", role="clinician")).json()
    assert case["status"] == "closed" and case["closed_reason"] == "returned"
    assert case["returned"]["advice"] == ADVICE
    assert case["returned"]["reason_text"]["sv"].startswith("Elevhälsan bör pröva")


async def test_a_case_already_assessed_is_not_assessed_again_by_its_return(intake):  # type: ignore[no-untyped-def]
    case_id = (await intake.post("/api/referrals", edi_form(CHILD), role="ops")).json()["case_id"]
    await intake.post(f"/api/cases/{case_id}/advice", {"topic_codes": ["sleep"]}, role="clinician", licensed=True)
    await _returned(intake, case_id)
    assert of_case(outbox(intake.rt.db.engine), case_id).count("MedicalAssessmentRecorded") == 1


async def test_the_fhir_requester_paper_letterhead_and_school_sender_are_the_referrers(intake):  # type: ignore[no-untyped-def]
    doc = bundle(CHILD)
    doc["entry"][2]["resource"]["identifier"] = [{"system": "urn:oid:1.2.752.29.4.19", "value": "SE2321-DR1"}]
    await intake.post("/api/referrals/fhir", doc, role="ops")
    letterhead = {"name": "Tannbergsskolans elevhälsa", "address": "Skolgatan 3, 921 31 Lycksele"}
    await intake.post("/api/referrals/paper", files={"scan": ("s.pdf", PDF, "application/pdf")},
                      data={"referral": json.dumps(paper_form(pnr(date(2011, 2, 3), 123), reply_to=letterhead))})
    await send(intake, school_form(pnr(date(2010, 4, 4), 345)))
    referrers = [e.payload.referrer for e in outbox(intake.rt.db.engine) if e.event_type == "ReferralReceived"]
    assert [(r.kind, r.organisation_ref) for r in referrers] == [("edi", "SE2321-DR1"), ("paper", None),
                                                                 ("school", "sk-umea-ersbodaskolan")]
    vault = KeyVault(intake.rt.settings.resolved_keyvault_url(), "notifications")
    assert vault.open(referrers[1].reply_to)["address"] == "Skolgatan 3, 921 31 Lycksele"
    school_reply = vault.open(referrers[2].reply_to)
    assert school_reply["preferred_channel"] == "email" and school_reply["email"]
    raw = outbox_bytes(intake.rt.db.engine)
    assert b"Skolgatan" not in raw and school_reply["email"].encode() not in raw


async def test_a_school_sees_its_returned_referral_as_returned(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, school_form())
    referral_id = r.json()["referral_id"]
    case_id = (await intake.get(f"/api/school-referrals/{referral_id}", role="clinician")).json()["case_id"]
    assert (await _returned(intake, case_id)).status_code == 201
    listed = await intake.http.get("/api/school-referrals", headers=intake.auth(
        "school_sender", school="sk-umea-ersbodaskolan", subject="S-NURSE-1"))
    assert [x["status"] for x in listed.json()["referrals"] if x["referral_id"] == referral_id] == ["returned"]


async def test_returning_is_refused_for_a_call_an_unlicensed_hand_an_unknown_reason_or_a_closed_case(intake):  # type: ignore[no-untyped-def]
    at = datetime(2023, 3, 14, 8, 2, tzinfo=STOCKHOLM)
    for step, t in (("CallOffered", at), ("CallAnswered", at + timedelta(minutes=1))):
        await intake.post("/api/telephony/events", {"call_id": "c-ret", "line": "public_1177", "step": step,
                                                    "at": t.isoformat()}, role="ops")
    call_case = (await intake.post("/api/cases/from-call", {"call_id": "c-ret", "source": "guardian", "child": {
        "identity_number": pnr(date(2010, 4, 4), 345), "municipality": "Umeå"}})).json()["case_id"]
    r = await _returned(intake, call_case)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "no_referral"
    case_id = (await intake.post("/api/referrals", edi_form(CHILD), role="ops")).json()["case_id"]
    r = await _returned(intake, case_id, licensed=False)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_licensed"
    r = await _returned(intake, case_id, {"reason": "because", "advice": ADVICE})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_reason"
    r = await _returned(intake, case_id, {"reason": "incomplete", "advice": "kort"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "advice"
    assert (await _returned(intake, case_id, role="call_handler")).status_code == 403
    assert (await _returned(intake, case_id)).status_code == 201
    r = await _returned(intake, case_id)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "case_closed"
    assert [e.event_type for e in outbox(intake.rt.db.engine)].count("ReferralReturned") == 1


async def test_a_retried_return_with_its_key_answers_the_same_and_returns_once(intake):  # type: ignore[no-untyped-def]
    case_id = (await intake.post("/api/referrals", edi_form(CHILD), role="ops")).json()["case_id"]
    a = await intake.post(f"/api/cases/{case_id}/return", RETURN, role="clinician", licensed=True, key="k-1")
    b = await intake.post(f"/api/cases/{case_id}/return", RETURN, role="clinician", licensed=True, key="k-1")
    assert (a.status_code, b.status_code) == (201, 200) and a.json() == b.json()


async def test_the_reasons_are_served_in_both_languages(intake):  # type: ignore[no-untyped-def]
    r = await intake.get("/api/return-reasons", role="clinician")
    codes = {x["code"]: x for x in r.json()["reasons"]}
    assert {"incomplete", "other_level", "advice_enough"} <= set(codes) and codes["incomplete"]["en"]
