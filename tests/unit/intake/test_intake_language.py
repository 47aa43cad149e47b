"""The family's language and interpreter need, captured on every way in: carried on the case's events, shown on
the case and the queue, and refused plainly when it cannot be right."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refused
from services.intake.domain.fhir import INTERPRETER_REQUIRED, referral_from_bundle
from services.intake.reference import load_languages

from .helpers import PDF, bundle, edi_form, outbox, paper_form, pnr
from .test_intake_school_referrals import school_form, send

CHILD = pnr(date(2012, 5, 17))
ARABIC = {"language": "ar", "interpreter_needed": True}


def _with_language(doc: dict[str, Any], code: str, interpreter: bool = True) -> dict[str, Any]:
    patient = doc["entry"][1]["resource"]
    patient["communication"] = [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "sv"}]}},
                                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]},
                                 "preferred": True}]
    patient["extension"] = [{"url": INTERPRETER_REQUIRED, "valueBoolean": interpreter}]
    return doc


def test_fhir_preferred_communication_and_the_interpreter_extension_are_read() -> None:
    r = referral_from_bundle(_with_language(bundle(CHILD), "ar-SY"))
    assert (r.language, r.interpreter_needed) == ("ar", True)
    plain = referral_from_bundle(bundle(CHILD))
    assert (plain.language, plain.interpreter_needed) == (None, False)


def test_a_fhir_language_without_a_code_is_named() -> None:
    doc = bundle(CHILD)
    doc["entry"][1]["resource"]["communication"] = [{"language": {"text": "arabiska"}}]
    with pytest.raises(Refused) as exc:
        referral_from_bundle(doc)
    assert exc.value.errors[0]["field"] == "Patient.communication.language"


def test_the_shipped_language_list_has_swedish_english_and_the_sami_languages_of_the_county() -> None:
    langs = load_languages()
    for code in ("sv", "en", "ar", "so", "ti", "fi", "fit", "se", "sju", "sma"):
        assert langs.by_code(code) is not None, code
    assert langs.by_code("sju").sv == "umesamiska"  # type: ignore[union-attr]


async def test_fhir_referral_carries_the_language_onto_the_case_and_its_event(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals/fhir", _with_language(bundle(CHILD), "so"), role="ops")
    assert r.status_code == 201, r.text
    [ev] = outbox(intake.rt.db.engine)
    assert ev.payload.language is not None
    assert (ev.payload.language.language, ev.payload.language.interpreter_needed) == ("so", True)
    case = (await intake.get(f"/api/cases/{r.json()['case_id']}")).json()
    assert (case["language"], case["interpreter_needed"]) == ("so", True)


async def test_json_edi_paper_and_call_forms_each_carry_the_language(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, **ARABIC), role="ops")
    assert r.status_code == 201, r.text
    other = pnr(date(2011, 2, 3), 123)
    r = await intake.post("/api/referrals/paper", files={"scan": ("s.pdf", PDF, "application/pdf")},
                          data={"referral": __import__("json").dumps(paper_form(other, language="ti",
                                                                                interpreter_needed=True))})
    assert r.status_code == 201, r.text
    at = datetime(2023, 3, 14, 8, 2, tzinfo=STOCKHOLM)
    for step, t in (("CallOffered", at), ("CallAnswered", at + timedelta(minutes=1))):
        await intake.post("/api/telephony/events", {"call_id": "c-lang", "line": "public_1177", "step": step,
                                                    "at": t.isoformat()}, role="ops")
    r = await intake.post("/api/cases/from-call", {"call_id": "c-lang", "source": "guardian", "language": "fa",
                                                   "interpreter_needed": False,
                                                   "child": {"identity_number": pnr(date(2010, 4, 4), 345),
                                                             "municipality": "Umeå"}})
    assert r.status_code == 201, r.text
    told = [(e.payload.channel, e.payload.language.language, e.payload.language.interpreter_needed)
            for e in outbox(intake.rt.db.engine) if e.event_type == "ReferralReceived"]
    assert told == [("edi", "ar", True), ("paper", "ti", True), ("phone", "fa", False)]


async def test_the_school_form_carries_the_language(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, school_form(language="uk", interpreter_needed=True))
    assert r.status_code == 201, r.text
    [ev] = [e for e in outbox(intake.rt.db.engine) if e.event_type == "ReferralReceived"]
    assert ev.payload.language.language == "uk" and ev.payload.language.interpreter_needed


async def test_the_queue_shows_who_needs_an_interpreter(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/referrals", edi_form(CHILD, **ARABIC), role="ops")
    await intake.post("/api/referrals", edi_form(pnr(date(2011, 2, 3), 123), external_ref="sr-2"), role="ops")
    cases = (await intake.get("/api/work-queue", role="clinician")).json()["cases"]
    assert sorted((c["language"] or "-", c["interpreter_needed"]) for c in cases) == [("-", False), ("ar", True)]


async def test_a_later_contact_that_tells_the_language_updates_the_case(intake):  # type: ignore[no-untyped-def]
    first = await intake.post("/api/referrals", edi_form(CHILD), role="ops")
    r = await intake.post("/api/referrals", edi_form(CHILD, external_ref="sr-9", **ARABIC), role="ops")
    assert r.json()["status"] == "linked"
    linked = outbox(intake.rt.db.engine)[-1]
    assert linked.event_type == "CaseLinked" and linked.payload.language.language == "ar"
    case = (await intake.get(f"/api/cases/{first.json()['case_id']}")).json()
    assert (case["language"], case["interpreter_needed"]) == ("ar", True)


@pytest.mark.parametrize("answer,field,code", [
    ({"language": "xx"}, "language", "unknown_language"),
    ({"interpreter_needed": True}, "language", "missing"),
    ({"language": "sv", "interpreter_needed": True}, "interpreter_needed", "interpreter_for_swedish"),
    ({"language": "Arabic"}, "language", "string_pattern_mismatch"),
], ids=["unknown", "interpreter-without-language", "interpreter-for-swedish", "not-a-code"])
async def test_a_language_answer_that_cannot_be_right_is_refused_and_nothing_stored(intake, answer, field,  # type: ignore[no-untyped-def]
                                                                                     code) -> None:
    r = await intake.post("/api/referrals", edi_form(CHILD, **answer), role="ops")
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors[0]["field"] == field and errors[0]["code"] == code and errors[0]["sv"] and errors[0]["en"]
    assert outbox(intake.rt.db.engine) == []


async def test_the_language_list_is_served_for_the_forms(intake):  # type: ignore[no-untyped-def]
    r = await intake.get("/api/languages", role="call_handler")
    assert r.status_code == 200
    names = {lang["code"]: (lang["sv"], lang["en"]) for lang in r.json()["languages"]}
    assert names["ar"] == ("arabiska", "Arabic") and r.json()["version"]
