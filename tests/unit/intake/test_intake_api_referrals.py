"""EDI (own JSON and FHIR), partner and paper referrals over the HTTP API: clock start, validation, no partial state."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, func, select

from services.chassis.clock import STOCKHOLM
from services.intake.store.tables import CaseRow

from .helpers import PDF, PNG, bundle, edi_form, of_case, outbox, outbox_bytes, paper_form, pnr

CHILD = pnr(date(2012, 5, 17))


def _cases(intake) -> int:  # type: ignore[no-untyped-def]
    with Session(intake.rt.db.engine) as s:
        return s.exec(select(func.count()).select_from(CaseRow)).one()


async def test_edi_referral_opens_case_with_clock_at_authored_date(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, authored="2023-03-10"), role="ops")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "opened" and body["case_reference"] == body["case_id"] and body["external_ref"] == "sr-1"
    [ev] = outbox(intake.rt.db.engine)
    assert ev.event_type == "ReferralReceived" and ev.case_id == body["case_id"]
    p = ev.payload
    assert p.clock_start == datetime(2023, 3, 10, tzinfo=STOCKHOLM)
    assert (p.channel, p.source, p.sender_date, p.triage_hint) == ("edi", "healthcare", date(2023, 3, 10), "none")
    assert (p.child.age_years, p.child.sex, p.child.municipality) == (10, "female", "Lycksele")
    assert p.contact is not None and p.contact.key_id == p.child.patient_ref


async def test_no_identity_number_name_or_phone_reaches_the_outbox(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/referrals", edi_form(CHILD), role="ops")
    await intake.post("/api/referrals/fhir", bundle(pnr(date(2011, 1, 2), 123)), role="ops")
    raw = outbox_bytes(intake.rt.db.engine)
    for secret in (CHILD.replace("-", ""), CHILD[2:], "Anna", "Testsson", "701234567", "anna@example.se",
                   "Storgatan", pnr(date(2011, 1, 2), 123).replace("-", "")):
        assert secret.encode() not in raw


async def test_fhir_bundle_starts_clock_at_authored_on_and_answers_case_reference(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals/fhir", bundle(CHILD), role="ops")
    assert r.status_code == 201, r.text
    assert r.json()["external_ref"] == "sr-88412" and r.json()["status"] == "opened"
    [ev] = outbox(intake.rt.db.engine)
    assert ev.payload.clock_start == datetime(2023, 3, 9, 14, 20, tzinfo=STOCKHOLM)
    assert ev.payload.child.municipality == "Lycksele"  # from the municipality code 2481
    assert ev.payload.reason_codes == ["F41.1"]


async def test_malformed_fhir_json_is_refused_and_nothing_stored(intake):  # type: ignore[no-untyped-def]
    r = await intake.http.post("/api/referrals/fhir", content=b'{"resourceType": "Bundle", ',
                               headers={**intake.auth("ops"), "Content-Type": "application/fhir+json"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "json_invalid"
    assert _cases(intake) == 0 and outbox(intake.rt.db.engine) == []


async def test_schema_invalid_fhir_names_the_field(intake):  # type: ignore[no-untyped-def]
    doc = bundle(CHILD)
    del doc["entry"][0]["resource"]["subject"]
    doc["entry"][0]["resource"]["status"] = 17
    r = await intake.post("/api/referrals/fhir", doc, role="ops")
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert any("subject" in f for f in fields), fields
    assert all(e["sv"] and e["en"] for e in r.json()["errors"])
    assert _cases(intake) == 0 and outbox(intake.rt.db.engine) == []


async def test_fhir_without_requester_or_not_a_bundle_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals/fhir", bundle(CHILD, with_requester=False), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ServiceRequest.requester"
    r = await intake.post("/api/referrals/fhir", {"resourceType": "Patient"}, role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_a_bundle"
    assert _cases(intake) == 0


async def test_wrong_checksum_is_a_field_error_in_both_languages(intake):  # type: ignore[no-untyped-def]
    bad = CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)
    r = await intake.post("/api/referrals", edi_form(bad), role="ops")
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["field"] == "child.identity_number" and err["code"] == "checksum"
    assert "Kontrollsiffran" in err["sv"] and "check digit" in err["en"]
    assert _cases(intake) == 0 and outbox(intake.rt.db.engine) == []


async def test_future_date_and_unknown_municipality_are_reported_together_or_alone(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, authored="2023-03-15"), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0] == {**r.json()["errors"][0], "field": "authored_on",
                                                              "code": "future"}
    r = await intake.post("/api/referrals", edi_form(CHILD, municipality="Umea-ish"), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_municipality"
    assert _cases(intake) == 0


async def test_edi_needs_sender_reference_and_healthcare_source(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, external_ref=None), role="ops")
    assert r.status_code == 422 and "external_ref" in r.json()["errors"][0]["en"]
    r = await intake.post("/api/referrals", edi_form(CHILD, source="guardian"), role="ops")
    assert r.status_code == 422 and "healthcare" in r.json()["errors"][0]["en"]


async def test_out_of_county_is_signposted_not_rejected(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, municipality="0180"), role="ops")  # Stockholm's code
    assert r.status_code == 201 and r.json()["status"] == "signposted"
    events = outbox(intake.rt.db.engine)
    assert [e.event_type for e in events] == ["ReferralReceived", "Signposted", "CaseClosed"]
    assert events[0].payload.triage_hint == "out_of_county" and events[0].payload.child.municipality == "outside"
    assert events[1].payload.destination == "other_region" and events[1].payload.reason == "out_of_county"


async def test_eighteen_year_old_is_signposted_to_adult_care(intake):  # type: ignore[no-untyped-def]
    adult = pnr(date(2005, 3, 10))  # 18 on the contact day 2023-03-10
    r = await intake.post("/api/referrals", edi_form(adult, authored="2023-03-10"), role="ops")
    assert r.status_code == 201 and r.json()["status"] == "signposted"
    received, signposted, closed = outbox(intake.rt.db.engine)
    assert received.payload.triage_hint == "adult_care" and received.payload.child.age_years == 18
    assert (signposted.payload.destination, signposted.payload.reason) == ("adult_psychiatry", "adult_care")
    assert closed.payload.reason == "signposted"


async def test_age_band_follows_the_date_of_contact(intake):  # type: ignore[no-untyped-def]
    four = pnr(date(2018, 6, 1), 111)
    r = await intake.post("/api/referrals", edi_form(four, authored="2023-03-12", external_ref="a"), role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "age_not_served"
    r = await intake.post("/api/referrals", edi_form(four, authored="2023-03-13", external_ref="b"), role="ops")
    assert r.status_code == 201 and r.json()["status"] == "opened"


async def test_partner_referral_from_school_is_marked_for_seasonality(intake):  # type: ignore[no-untyped-def]
    form = edi_form(CHILD, channel="partner", source="school_student_health", external_ref=None)
    r = await intake.post("/api/referrals", form, role="call_handler")
    assert r.status_code == 201, r.text
    [ev] = outbox(intake.rt.db.engine)
    assert (ev.payload.channel, ev.payload.school_referral) == ("partner", True)


async def test_paper_referral_clock_starts_at_date_written_and_keeps_three_dates(intake):  # type: ignore[no-untyped-def]
    r = await intake.http.post("/api/referrals/paper", headers=intake.auth("call_handler"),
                               files={"scan": ("remiss.pdf", PDF, "application/pdf")},
                               data={"referral": __import__("json").dumps(paper_form(CHILD))})
    assert r.status_code == 201, r.text
    sha = r.json()["document_sha256"]
    stored = intake.rt.settings.resolved_documents_dir() / sha[:2] / sha
    assert stored.read_bytes() == PDF
    received, digitised = outbox(intake.rt.db.engine)
    assert received.payload.clock_start == datetime(2023, 3, 6, tzinfo=STOCKHOLM)
    assert received.payload.channel == "paper" and received.payload.school_referral is True
    d = digitised.payload
    assert (d.date_written, d.date_arrived, d.arrival_delay_days) == (date(2023, 3, 6), date(2023, 3, 13), 7)
    assert d.digitised_at == intake.clock.now() and d.document_sha256 == sha
    got = await intake.get(f"/api/documents/{sha}")
    assert got.status_code == 200 and got.content == PDF


async def _paper(intake, form, data=PDF, name="remiss.pdf"):  # type: ignore[no-untyped-def]
    import json
    return await intake.http.post("/api/referrals/paper", headers=intake.auth("call_handler"),
                                  files={"scan": (name, data, "application/pdf")}, data={"referral": json.dumps(form)})


async def test_paper_arrival_before_writing_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await _paper(intake, paper_form(CHILD, written="2023-03-10", arrived="2023-03-09"))
    assert r.status_code == 422 and "arrival" in r.json()["errors"][0]["en"]
    assert _cases(intake) == 0 and not intake.rt.settings.resolved_documents_dir().exists()


async def test_paper_scan_of_wrong_type_or_oversize_is_refused_and_not_stored(intake):  # type: ignore[no-untyped-def]
    r = await _paper(intake, paper_form(CHILD), data=b"MZ\x90\x00 not a pdf", name="remiss.pdf")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unsupported_type"
    big = PNG + b"\x00" * (intake.rt.settings.max_scan_bytes)  # over the scan limit, within the route's body limit
    r = await _paper(intake, paper_form(CHILD), data=big, name="scan.png")
    assert r.status_code == 413 and r.json()["errors"][0] == {
        "field": "scan", "location": "body", "code": "too_large", "sv": r.json()["errors"][0]["sv"],
        "en": f"The file is too large (at most {intake.rt.settings.max_scan_bytes // 1024} KiB)."}
    huge = big + b"\x00" * (128 * 1024)  # over the route's body limit: refused before the form is parsed
    r = await _paper(intake, paper_form(CHILD), data=huge, name="scan.png")
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert _cases(intake) == 0 and outbox(intake.rt.db.engine) == []
    assert not intake.rt.settings.resolved_documents_dir().exists()


async def test_paper_with_future_written_date_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await _paper(intake, paper_form(CHILD, written="2023-03-20", arrived="2023-03-21"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_written"


async def test_paper_with_missing_typed_field_names_it(intake):  # type: ignore[no-untyped-def]
    form = paper_form(CHILD)
    del form["date_written"]
    r = await _paper(intake, form)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "referral.date_written"


async def test_roles_are_enforced(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD), role="kpi_analyst")
    assert r.status_code == 403
    r = await intake.http.post("/api/referrals", json=edi_form(CHILD))
    assert r.status_code == 401
    assert of_case(outbox(intake.rt.db.engine), "x") == [] and _cases(intake) == 0


async def test_no_identity_number_name_or_phone_in_logs(intake, caplog):  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.DEBUG)
    bad = CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)
    await intake.post("/api/referrals", edi_form(bad), role="ops")
    await intake.post("/api/referrals", edi_form(CHILD), role="ops")
    await intake.post("/api/referrals/fhir", bundle(CHILD, sr_id="x-2"), role="ops")
    await _paper(intake, paper_form(CHILD))
    assert caplog.records  # the requests were logged at all
    text = caplog.text
    for secret in (CHILD, CHILD.replace("-", ""), bad, "Testsson", "701234567", "anna@example.se", "Storgatan"):
        assert secret not in text


async def test_paper_arrival_in_the_future_is_refused(intake):  # type: ignore[no-untyped-def]
    r = await _paper(intake, paper_form(CHILD, written="2023-03-10", arrived="2023-03-15"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_arrived"


async def test_partner_referral_needs_a_partner_source(intake):  # type: ignore[no-untyped-def]
    form = edi_form(CHILD, channel="partner", source="guardian", external_ref=None)
    r = await intake.post("/api/referrals", form)
    assert r.status_code == 422 and "partner" in r.json()["errors"][0]["en"]


async def test_free_text_reasons_are_refused(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, reason_codes=["Mamma säger att Kalle mår dåligt"]),
                          role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason_codes.0"


async def test_several_problems_are_reported_at_once(intake):  # type: ignore[no-untyped-def]
    bad = CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)
    r = await intake.post("/api/referrals", edi_form(bad, municipality="Atlantis"), role="ops")
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"checksum", "unknown_municipality"}
