"""Test data for intake: valid identity numbers, FHIR bundles, forms, scans; reading the outbox."""
from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from pypdf import PdfWriter
from sqlmodel import Session, select

from contracts.registry import parse_event
from services.chassis.tables import OutboxRow


def luhn_digit(nine: str) -> int:
    """Independent of the product's code: the textbook Luhn algorithm."""
    digits = [int(c) for c in nine]
    total = sum(d if i % 2 else (d * 2 if d * 2 < 10 else d * 2 - 9) for i, d in enumerate(digits))
    return (10 - total % 10) % 10


def pnr(born: date, serial: int = 238, coordination: bool = False) -> str:
    """A valid 12-digit number YYYYMMDD-NNNC; odd serials are male, even female."""
    day = born.day + (60 if coordination else 0)
    body = f"{born:%y%m}{day:02d}{serial:03d}"
    return f"{born.year:04d}{born.month:02d}{day:02d}-{serial:03d}{luhn_digit(body)}"


def contact(name: str = "Anna Testsson", phone: str = "+46701234567") -> dict[str, Any]:
    return {"name": name, "phone": phone, "email": "anna@example.se", "address": "Storgatan 1, 921 31 Lycksele",
            "preferred_channel": "sms", "language": "sv", "is_young_person": False}


def edi_form(identity: str, authored: str = "2023-03-10", municipality: str = "Lycksele",
             external_ref: str = "sr-1", **extra: Any) -> dict[str, Any]:
    return {"channel": "edi", "source": "healthcare", "authored_on": authored, "external_ref": external_ref,
            "child": {"identity_number": identity, "municipality": municipality}, "contact": contact(),
            "reason_codes": ["anxiety"], **extra}


def paper_form(identity: str, written: str = "2023-03-06", arrived: str = "2023-03-13",
               **extra: Any) -> dict[str, Any]:
    return {"source": "school_student_health", "date_written": written, "date_arrived": arrived,
            "child": {"identity_number": identity, "municipality": "Skellefteå"}, "contact": contact(),
            "reason_codes": ["school_absence"], **extra}


def _one_page_pdf() -> bytes:
    """A one-page PDF as pypdf writes it: intake keeps an uploaded PDF as made inert, and this one already is."""
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


PDF = _one_page_pdf()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def bundle(identity: str, authored: str = "2023-03-09T14:20:00+01:00", sr_id: str = "sr-88412",
           district: str = "2481", with_requester: bool = True) -> dict[str, Any]:
    sr: dict[str, Any] = {"resourceType": "ServiceRequest", "id": sr_id, "status": "active", "intent": "order",
                          "identifier": [{"system": "urn:oid:1.2.752.129.2.1.2.1", "value": sr_id}],
                          "subject": {"reference": "urn:uuid:patient-1"}, "authoredOn": authored,
                          "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "F41.1",
                                                      "display": "Generalised anxiety"}]}]}
    if with_requester:
        sr["requester"] = {"reference": "urn:uuid:practitioner-1"}
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:sr-1", "resource": sr},
        {"fullUrl": "urn:uuid:patient-1", "resource": {
            "resourceType": "Patient", "identifier": [{"system": "urn:oid:1.2.752.129.2.1.3.1", "value": identity}],
            "gender": "female", "address": [{"district": district}],
            "contact": [{"name": {"text": "Anna Testsson"},
                         "telecom": [{"system": "phone", "value": "+46701234567"}]}]}},
        {"fullUrl": "urn:uuid:practitioner-1", "resource": {
            "resourceType": "Practitioner", "name": [{"text": "Dr Remiss"}]}},
    ]}


def outbox(engine: Any) -> list[Any]:
    with Session(engine) as s:
        rows = list(s.exec(select(OutboxRow).order_by(OutboxRow.id)))  # type: ignore[arg-type]
    return [parse_event(r.payload) for r in rows]


def outbox_bytes(engine: Any) -> bytes:
    with Session(engine) as s:
        rows = list(s.exec(select(OutboxRow)))
    return b"\n".join(r.payload + json.dumps(r.headers).encode() + r.key.encode() for r in rows)


def of_case(events: list[Any], case_id: str) -> list[str]:
    return [e.event_type for e in events if e.case_id == case_id]
