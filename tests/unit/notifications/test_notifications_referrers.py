"""The referrer hears what became of the referral: an EDI referrer a valid FHIR R4 Task at each step it hears, a
school by e-mail, a paper referrer by letter; a returned referral's advice reaches the referrer and the family is
told; steps that arrive before the referral are still told; old news is not sent; told once per step."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fhir.resources.R4B.task import Task

from contracts.common import ChildProfile, ContactDetails
from contracts.envelope import Event, new_case_id
from contracts.intake import (
    CaseClosed,
    CaseClosedPayload,
    MedicalAssessmentPayload,
    MedicalAssessmentRecorded,
    ReferralReceived,
    ReferralReceivedPayload,
    ReferralReturned,
    ReferralReturnedPayload,
    Referrer,
)
from contracts.triage import CareLevelDecided, CareLevelDecidedPayload
from services.chassis.privacy import KeyVault
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications

ADVICE = "Pröva först samtal med skolkuratorn."


def _vault(svc: Notifications) -> KeyVault:
    return KeyVault(svc.settings.resolved_keyvault_url(), "intake")


def _referral(svc: Notifications, referrer: Referrer, case_id: str, at: datetime = NOW) -> Event[Any]:
    sealed = _vault(svc).seal(ev.REF, ev.contact())
    return ReferralReceived.new(case_id=case_id, occurred_at=at, recorded_at=at, payload=ReferralReceivedPayload(
        channel="edi", source="healthcare", clock_start=at, received_at=at, school_referral=False, sender_date=None,
        child=ChildProfile(patient_ref=ev.REF, age_years=11, sex="female", municipality="Lycksele"),
        contact=sealed, reason_codes=[], call_id=None, external_ref=referrer.service_request_ref,
        triage_hint="none", referrer=referrer))


def _edi(svc: Notifications, case_id: str) -> Event[Any]:
    return _referral(svc, Referrer(kind="edi", organisation_ref="SE2321-HC42", service_request_ref="sr-77"), case_id)


def _assessed(case_id: str, at: datetime) -> Event[Any]:
    return MedicalAssessmentRecorded.new(case_id=case_id, occurred_at=at, payload=MedicalAssessmentPayload(
        assessed_at=at, kind="advice", by_role="clinician", by_staff_ref="S-1", licensed=True))


def _decided(case_id: str, at: datetime) -> Event[Any]:
    return CareLevelDecided.new(case_id=case_id, occurred_at=at, payload=CareLevelDecidedPayload(
        level="bup", guide_level="bup", rules_version="1", reasons=[], lower_levels_rejected=[], override_reason=None,
        overridden=False, decided_at=at, by_staff_ref="S-1", supersedes_level=None))


def _returned(svc: Notifications, case_id: str, at: datetime) -> list[Event[Any]]:
    returned = ReferralReturned.new(case_id=case_id, occurred_at=at, payload=ReferralReturnedPayload(
        reason="school_first", reasons_version="2026.1", reason_sv="Elevhälsan bör pröva stöd i skolan först",
        reason_en="Student health should try support at school first", returned_at=at,
        advice=_vault(svc).seal(ev.REF, {"advice": ADVICE}), by_role="clinician", by_staff_ref="S-1", licensed=True))
    closed = CaseClosed.new(case_id=case_id, occurred_at=at, payload=CaseClosedPayload(reason="returned"))
    return [returned, closed]


def _tasks(svc: Notifications) -> list[dict[str, Any]]:
    return [r["resource"] for r in svc.gateway.delivered if r["path"] == "/exchange"]


async def test_an_edi_referrer_gets_a_valid_fhir_task_at_each_step(svc: Notifications) -> None:
    case_id = new_case_id()
    steps: list[Event[Any]] = [_edi(svc, case_id), _assessed(case_id, NOW + timedelta(hours=1)),
                               _decided(case_id, NOW + timedelta(hours=2)),
                               ev.booked(case_id, NOW + timedelta(hours=3))]
    for e in steps:
        svc.apply(e)
        await svc.send_due()
    svc.apply(CaseClosed.new(case_id=case_id, occurred_at=NOW + timedelta(days=1),
                             payload=CaseClosedPayload(reason="completed")))
    svc.clock.advance(days=1)
    await svc.send_due()
    tasks = _tasks(svc)
    assert [(t["status"], t["businessStatus"]["coding"][0]["code"]) for t in tasks] == [
        ("received", "received"), ("in-progress", "assessed"), ("in-progress", "decided"),
        ("in-progress", "booked"), ("completed", "closed")]
    for t in tasks:
        Task.model_validate(t)  # schema-valid FHIR R4 (fhir.resources' R4B Task is R4's)
        assert t["basedOn"][0]["identifier"]["value"] == "sr-77"
        assert t["requester"]["identifier"]["value"] == "SE2321-HC42" and t["id"] == tasks[0]["id"]
    assert tasks[2]["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "bup"
    assert {r["to"] for r in svc.gateway.delivered if r["path"] == "/exchange"} == {"SE2321-HC42"}
    body = str(tasks)
    assert ev.REF not in body and "Anna" not in body and "+4670" not in body


async def test_a_returned_referral_reaches_the_edi_referrer_with_advice_and_the_family_is_told(svc: Notifications):
    case_id = new_case_id()
    svc.apply(_edi(svc, case_id))
    for e in _returned(svc, case_id, NOW + timedelta(hours=1)):
        svc.apply(e)
    svc.apply(_assessed(case_id, NOW + timedelta(hours=1)))  # the return's assessment comes after it
    await svc.send_due()
    returned = _tasks(svc)[-1]
    assert returned["status"] == "rejected" and returned["statusReason"]["coding"][0]["code"] == "school_first"
    assert returned["note"][0]["text"] == ADVICE
    Task.model_validate(returned)
    [sms] = svc.gateway.sms()
    assert "skickat tillbaka den till den som skrev den" in sms["text"] and ADVICE not in sms["text"]
    assert [t["businessStatus"]["coding"][0]["code"] for t in _tasks(svc)] == ["received", "returned"]


async def test_a_school_hears_by_email_and_a_paper_referrer_by_letter(svc: Notifications) -> None:
    vault = _vault(svc)
    school = Referrer(kind="school", organisation_ref="sk-umea-ersbodaskolan", service_request_ref="SR-ABC",
                      reply_to=vault.seal(ev.REF, ContactDetails(name="Sara", email="sara@skola.example.se",
                                                                 preferred_channel="email").model_dump()))
    paper = Referrer(kind="paper", reply_to=vault.seal(ev.REF, ContactDetails(
        name="BVC Lycksele", address="Vårdvägen 1, 921 31 Lycksele", preferred_channel="digital_letter").model_dump()))
    school_case, paper_case = new_case_id(), new_case_id()
    svc.apply(_referral(svc, school, school_case))
    svc.apply(_referral(svc, paper, paper_case))
    for case_id in (school_case, paper_case):
        svc.apply(_decided(case_id, NOW + timedelta(hours=1)))
    await svc.send_due()
    [mail] = svc.smtp.to("sara@skola.example.se")
    text = mail.get_content()
    assert "SR-ABC" in mail["Subject"] and "gått vidare" in text and "bup" not in text.lower()
    letters = [x for x in svc.gateway.letters() if x["address"] == "Vårdvägen 1, 921 31 Lycksele"]
    assert [("mottagen" in x["body"], "gått vidare" in x["body"]) for x in letters] == [(True, False), (False, True)]
    assert _tasks(svc) == []


async def test_a_step_that_arrives_before_the_referral_is_still_told_and_each_step_once(svc: Notifications):
    case_id = new_case_id()
    assessed = _assessed(case_id, NOW)
    svc.apply(assessed)  # triage's topic overtook intake's
    svc.apply(_edi(svc, case_id))
    svc.apply(assessed)
    svc.apply(_assessed(case_id, NOW).model_copy(update={"event_id": __import__("uuid").uuid4()}))  # told again
    await svc.send_due()
    assert sorted(t["businessStatus"]["coding"][0]["code"] for t in _tasks(svc)) == ["assessed", "received"]


async def test_old_news_is_recorded_but_not_sent(svc: Notifications) -> None:
    case_id = new_case_id()
    svc.apply(_edi(svc, case_id))
    svc.apply(_assessed(case_id, NOW - timedelta(days=10)))  # a consumer catching up on history
    await svc.send_due()
    assert [t["businessStatus"]["coding"][0]["code"] for t in _tasks(svc)] == ["received"]


async def test_a_call_has_no_referrer_and_nothing_goes_out_for_it(svc: Notifications) -> None:
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(_decided(ref.case_id or "", NOW))
    await svc.send_due()
    assert _tasks(svc) == [] and [d for d in svc.deliveries(ref.case_id) if d.recipient_kind == "referrer"] == []


async def test_a_booking_read_before_its_decision_waits_for_it_so_the_task_never_goes_back(svc: Notifications):
    case_id = new_case_id()
    svc.apply(_edi(svc, case_id))
    await svc.send_due()
    svc.apply(ev.booked(case_id, NOW + timedelta(hours=3)))  # the appointments topic overtook the assessments topic
    await svc.send_due()
    assert [t["businessStatus"]["coding"][0]["code"] for t in _tasks(svc)] == ["received"]
    svc.apply(_decided(case_id, NOW + timedelta(hours=2)))
    svc.apply(_decided(case_id, NOW + timedelta(hours=2)))  # the same decision read again: nothing twice
    await svc.send_due()
    assert [t["businessStatus"]["coding"][0]["code"] for t in _tasks(svc)] == ["received", "decided", "booked"]
