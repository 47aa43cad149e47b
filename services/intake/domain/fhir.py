"""HL7 FHIR R4 referrals: a Bundle with ServiceRequest, Patient and the requester, checked with fhir.resources."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from contracts.common import ContactDetails
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.calendar import local_day, start_of_day
from services.intake.forms import ContactIn

PERSONNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.3"
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
_REQUESTER_TYPES = {"Practitioner", "PractitionerRole", "Organization"}
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"


@dataclass(frozen=True)
class FhirReferral:
    """What intake takes from a FHIR Bundle; the identity number goes no further than intake."""

    authored: datetime | date
    external_ref: str
    identity_number: str
    municipality: str
    contact: ContactDetails | None
    reason_codes: tuple[str, ...]
    language: str | None = None
    interpreter_needed: bool = False
    requester_ref: str | None = None  # the requester's identifier (HSA-id) or reference: where status updates go

    def __repr__(self) -> str:
        return f"FhirReferral(external_ref={self.external_ref!r})"


def _bad(field: str, sv: str, en: str, code: str = "fhir_invalid") -> Refused:
    return Refused(Refusal(field, code, sv, en))


def _schema_problems(exc: ValidationError) -> Refused:
    # Only the location and the rule: pydantic's `input` may hold the child's data.
    out = []
    for e in exc.errors()[:20]:
        loc = "Bundle." + ".".join(str(p) for p in e.get("loc", ()))
        out.append(Refusal(loc, "fhir_schema", f"Ogiltig FHIR-resurs: {e.get('msg', '')}",
                           f"Invalid FHIR resource: {e.get('msg', '')}"))
    return Refused(*out)


def parse_bundle(doc: Any) -> Bundle:
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        raise _bad("resourceType", "Förväntade en FHIR Bundle.", "Expected a FHIR Bundle.", "not_a_bundle")
    try:
        return Bundle.model_validate(doc)
    except ValidationError as exc:
        raise _schema_problems(exc) from None


def _resources(bundle: Bundle) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    by_ref: dict[str, Any] = {}
    by_type: dict[str, list[Any]] = {}
    for entry in bundle.entry or []:
        res = entry.resource
        if res is None:
            continue
        rtype = res.get_resource_type()
        by_type.setdefault(rtype, []).append(res)
        if entry.fullUrl:
            by_ref[str(entry.fullUrl)] = res
        if getattr(res, "id", None):
            by_ref[f"{rtype}/{res.id}"] = res
    return by_ref, by_type


def _one(by_type: dict[str, list[Any]], rtype: str) -> Any:
    found = by_type.get(rtype, [])
    if len(found) != 1:
        raise _bad(f"Bundle.entry.{rtype}", f"Bundlen ska innehålla exakt en {rtype} (fann {len(found)}).",
                   f"The bundle must hold exactly one {rtype} (found {len(found)}).", "fhir_structure")
    return found[0]


def _identity(patient: Any) -> str:
    for ident in patient.identifier or []:
        if ident.system in (PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID) and ident.value:
            return str(ident.value)
    raise _bad("Patient.identifier", "Patienten saknar personnummer eller samordningsnummer.",
               "The Patient has no personal identity or co-ordination number.", "missing")


def _municipality(patient: Any) -> str:
    for addr in patient.address or []:
        for value in (addr.district, addr.city):
            if value:
                return str(value)
    raise _bad("Patient.address.district", "Patientens hemkommun saknas (address.district).",
               "The Patient's municipality of residence is missing (address.district).", "missing")


_CONTACT_FIELDS = {"name": "Patient.contact.name.text", "phone": "Patient.contact.telecom.phone",
                   "email": "Patient.contact.telecom.email"}


def _contact(patient: Any) -> ContactDetails | None:
    """The first contact with a phone or e-mail, held to the same rules as the JSON form's contact."""
    for c in patient.contact or []:
        phone = next((t.value for t in c.telecom or [] if t.system in ("phone", "sms") and t.value), None)
        email = next((t.value for t in c.telecom or [] if t.system == "email" and t.value), None)
        name = c.name.text if c.name and c.name.text else None
        if phone or email:
            try:
                form = ContactIn(name=name, phone=phone, email=email, preferred_channel="sms" if phone else "email")
            except ValidationError as exc:
                raise Refused(*(Refusal(_CONTACT_FIELDS.get(str(e["loc"][0]), "Patient.contact"), code, sv, en)
                                for e, (sv, en, code) in ((e, _split(e)) for e in exc.errors()))) from None
            return form.details()
    return None


def _split(e: Any) -> tuple[str, str, str]:
    sv, _, en = str(e.get("msg", "")).partition(" | ")
    return (sv, en, str(e.get("type"))) if en else ("Ogiltigt värde.", sv, str(e.get("type")))


def _language(patient: Any) -> tuple[str | None, bool]:
    """Patient.communication (the preferred one, else the first): its BCP 47 code's primary subtag (`ar-SY` ->
    `ar`); the interpreter from the standard `patient-interpreterRequired` extension."""
    comms = list(patient.communication or [])
    comm = next((c for c in comms if c.preferred), comms[0] if comms else None)
    code = None
    if comm is not None:
        codes = [str(c.code) for c in comm.language.coding or [] if c.code]
        if not codes:
            raise _bad("Patient.communication.language", "Språket saknar kod (language.coding.code, BCP 47).",
                       "The language has no code (language.coding.code, BCP 47).", "missing")
        code = codes[0].split("-")[0].lower()
    interpreter = any(e.url == INTERPRETER_REQUIRED and e.valueBoolean for e in patient.extension or [])
    return code, interpreter


def _reasons(sr: Any) -> tuple[str, ...]:
    # Only codes fit for the bus; a coding's display text stays out.
    codes = [str(c.code) for cc in sr.reasonCode or [] for c in cc.coding or [] if c.code]
    return tuple(c for c in codes if _CODE.match(c))[:20]


def referral_from_bundle(doc: Any) -> FhirReferral:
    """Validate the Bundle and take out the referral; every missing piece is named in the error."""
    bundle = parse_bundle(doc)
    by_ref, by_type = _resources(bundle)
    sr = _one(by_type, "ServiceRequest")
    patient = _one(by_type, "Patient")
    if sr.authoredOn is None:
        raise _bad("ServiceRequest.authoredOn", "Remissdatum (authoredOn) saknas.",
                   "The referral date (authoredOn) is missing.", "missing")
    requester = by_ref.get(sr.requester.reference) if sr.requester and sr.requester.reference else None
    if requester is None or requester.get_resource_type() not in _REQUESTER_TYPES:
        raise _bad("ServiceRequest.requester", "Remittenten (requester) saknas eller finns inte i bundlen.",
                   "The requester is missing or not in the bundle.", "missing")
    subject = by_ref.get(sr.subject.reference) if sr.subject and sr.subject.reference else None
    if subject is not patient:
        raise _bad("ServiceRequest.subject", "ServiceRequest.subject pekar inte på bundlens Patient.",
                   "ServiceRequest.subject does not point to the bundle's Patient.", "fhir_structure")
    ext = next((i.value for i in sr.identifier or [] if i.value), None) or sr.id
    if not ext:
        raise _bad("ServiceRequest.identifier", "Remissen saknar identifierare (identifier eller id).",
                   "The referral has no identifier (identifier or id).", "missing")
    language, interpreter = _language(patient)
    requester_ref = next((str(i.value) for i in getattr(requester, "identifier", None) or [] if i.value),
                         str(sr.requester.reference))
    return FhirReferral(authored=sr.authoredOn, external_ref=str(ext)[:120], identity_number=_identity(patient),
                        municipality=_municipality(patient), contact=_contact(patient), reason_codes=_reasons(sr),
                        language=language, interpreter_needed=interpreter, requester_ref=requester_ref[:120])


def clock_of(authored: datetime | date) -> tuple[date, datetime]:
    """(the referral's day, its clock start): a date-only authoredOn starts at midnight; a local time is Stockholm's."""
    if isinstance(authored, datetime):
        if authored.tzinfo is None:
            authored = authored.replace(tzinfo=STOCKHOLM)
        return local_day(authored), authored
    return authored, start_of_day(authored)
