"""Contact fields at the edge: a length and a format for each, phone numbers kept as E.164, clear bilingual refusals."""
from __future__ import annotations

from datetime import date

from contracts.common import SealedContact
from services.chassis.privacy import KeyVault

from .helpers import bundle, contact, edi_form, outbox, pnr

CHILD = pnr(date(2012, 5, 17))


def _sealed_contact(intake) -> dict:  # type: ignore[no-untyped-def, type-arg]
    [ev] = outbox(intake.rt.db.engine)
    sealed: SealedContact = ev.payload.contact
    return KeyVault(intake.rt.settings.resolved_keyvault_url(), "test").open(sealed)


async def test_a_national_phone_number_is_stored_as_e164(intake):  # type: ignore[no-untyped-def]
    form = edi_form(CHILD, contact={**contact(phone="070-123 45 67"), "email": "Anna@Example.SE"})
    r = await intake.post("/api/referrals", form, role="ops")
    assert r.status_code == 201, r.text
    details = _sealed_contact(intake)
    assert details["phone"] == "+46701234567" and details["email"] == "Anna@example.se"


async def test_a_bad_phone_number_is_refused_naming_the_field_in_swedish_and_english(intake):  # type: ignore[no-untyped-def]
    for bad in ("070-99", "not a number", "+46 70 123 45 67 89 01"):
        r = await intake.post("/api/referrals", edi_form(CHILD, contact=contact(phone=bad)), role="ops")
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", (bad, r.text)
        [err] = r.json()["errors"]
        assert (err["field"], err["location"], err["code"]) == ("contact.phone", "body", "phone_invalid")
        assert err["sv"].startswith("Inte ett giltigt telefonnummer") and err["en"].startswith("Not a valid phone")
        assert bad not in r.text  # the refused value is not echoed back
    assert outbox(intake.rt.db.engine) == []


async def test_a_bad_email_is_refused_naming_the_field(intake):  # type: ignore[no-untyped-def]
    for bad in ("anna", "anna@", "a@b@c.se", "x" * 250 + "@example.se"):
        r = await intake.post("/api/referrals", edi_form(CHILD, contact={**contact(), "email": bad}), role="ops")
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["field"] == "contact.email"
        assert r.json()["errors"][0]["sv"] and r.json()["errors"][0]["en"]


async def test_a_contact_name_over_its_length_is_refused_and_a_huge_one_never_parsed(intake):  # type: ignore[no-untyped-def]
    r = await intake.post("/api/referrals", edi_form(CHILD, contact=contact(name="A" * 121)), role="ops")
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["field"] == "contact.name" and err["code"] == "string_too_long" and "120" in err["sv"]
    r = await intake.post("/api/referrals", edi_form(CHILD, contact=contact(name="A" * 2_000_000)), role="ops")
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "body"
    r = await intake.post("/api/referrals", edi_form(CHILD, contact={**contact(), "address": "Storgatan 1\x00"}),
                          role="ops")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "control_character"
    assert outbox(intake.rt.db.engine) == []


async def test_a_fhir_contact_is_held_to_the_same_rules(intake):  # type: ignore[no-untyped-def]
    doc = bundle(CHILD)
    doc["entry"][1]["resource"]["contact"][0]["telecom"][0]["value"] = "12"
    r = await intake.post("/api/referrals/fhir", doc, role="ops")
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "Patient.contact.telecom.phone"
    doc["entry"][1]["resource"]["contact"][0]["telecom"][0]["value"] = "0701234567"
    r = await intake.post("/api/referrals/fhir", doc, role="ops")
    assert r.status_code == 201 and _sealed_contact(intake)["phone"] == "+46701234567"
