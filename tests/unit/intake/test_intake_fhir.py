"""Reading a FHIR R4 referral Bundle: what is taken from it, and what makes it refused."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from services.chassis.refusal import Refused
from services.intake.domain.fhir import SAMORDNINGSNUMMER_OID, referral_from_bundle

from .helpers import bundle, pnr

CHILD = pnr(date(2012, 5, 17))


def _refused(doc) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with pytest.raises(Refused) as exc:
        referral_from_bundle(doc)
    return exc.value.errors[0]


def test_referral_fields_are_taken_from_the_bundle() -> None:
    r = referral_from_bundle(bundle(CHILD))
    assert isinstance(r.authored, datetime) and r.authored.isoformat() == "2023-03-09T14:20:00+01:00"
    assert (r.external_ref, r.identity_number, r.municipality, r.reason_codes) == ("sr-88412", CHILD, "2481",
                                                                                    ("F41.1",))
    assert r.contact is not None and r.contact.phone == "+46701234567" and r.contact.preferred_channel == "sms"
    assert CHILD not in repr(r)


def test_samordningsnummer_and_date_only_authored_on_are_accepted() -> None:
    doc = bundle(pnr(date(2012, 5, 17), coordination=True), authored="2023-03-09")
    doc["entry"][1]["resource"]["identifier"][0]["system"] = SAMORDNINGSNUMMER_OID
    r = referral_from_bundle(doc)
    assert r.authored == date(2023, 3, 9) and r.identity_number.startswith("20120577")


def test_two_patients_or_none_is_a_structure_error() -> None:
    doc = bundle(CHILD)
    doc["entry"].append({"fullUrl": "urn:uuid:patient-2", "resource": doc["entry"][1]["resource"]})
    assert _refused(doc)["code"] == "fhir_structure"
    doc = bundle(CHILD)
    del doc["entry"][1]
    assert _refused(doc)["field"] == "Bundle.entry.Patient"


def test_subject_must_be_the_bundles_patient() -> None:
    doc = bundle(CHILD)
    doc["entry"][0]["resource"]["subject"] = {"reference": "Patient/elsewhere"}
    assert _refused(doc)["field"] == "ServiceRequest.subject"


def test_missing_identity_number_authored_on_and_municipality_are_named() -> None:
    doc = bundle(CHILD)
    doc["entry"][1]["resource"]["identifier"][0]["system"] = "urn:oid:1.2.3"
    assert _refused(doc)["field"] == "Patient.identifier"
    doc = bundle(CHILD)
    del doc["entry"][0]["resource"]["authoredOn"]
    assert _refused(doc)["field"] == "ServiceRequest.authoredOn"
    doc = bundle(CHILD)
    doc["entry"][1]["resource"]["address"] = []
    assert _refused(doc)["field"] == "Patient.address.district"


def test_schema_errors_do_not_echo_the_childs_data() -> None:
    doc = bundle(CHILD)
    doc["entry"][1]["resource"]["birthDate"] = f"not-a-date-{CHILD}"
    problem = _refused(doc)
    assert problem["code"] == "fhir_schema" and CHILD not in str(problem)
