"""Each way in, from its own input to a Contact: where its clock starts and which fields it needs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.chassis.auth import Staff
from services.chassis.clock import STOCKHOLM
from services.intake.documents import DocumentStore, check_scan
from services.intake.domain.calendar import local_day, start_of_day
from services.intake.domain.cases import Contact, PaperDates
from services.intake.domain.problems import Invalid, problem
from services.intake.domain.telephony import call_reached, call_started, channel_of_line
from services.intake.fhir import referral_from_bundle
from services.intake.forms import PARTNER_SOURCES, ChildIn, FromCallForm, PaperForm, ReferralForm
from services.intake.idempotency import request_hash
from services.intake.store import DocumentRow, call_steps
from services.intake.takein import TakeIn

Answer = tuple[dict[str, Any], bool]


def _natural_key(key: str | None, *parts: str | None) -> str | None:
    """Without an Idempotency-Key, a sender's own reference still makes a resend land on the same case."""
    if key:
        return f"key:{key}"
    return ":".join(p for p in parts if p) if all(parts) else None


def from_form(t: TakeIn, form: ReferralForm, staff: Staff, key: str | None) -> Answer:
    """EDI (own JSON form) or partner referral: the sender's date starts the clock."""
    t.not_future(form.authored_on, "authored_on")
    ref, child = t.child(form.child, form.authored_on)
    contact = Contact(channel=form.channel, source=form.source, clock_start=start_of_day(form.authored_on),
                      received_at=t.rt.clock.now(), patient_ref=ref, child=child, sender_date=form.authored_on,
                      contact=t.seal(ref, form.contact), external_ref=form.external_ref,
                      reason_codes=tuple(form.reason_codes))
    nk = _natural_key(key, form.channel, form.source, form.external_ref)
    return t.submit(contact, staff, nk, request_hash(form.model_dump(mode="json")))


def from_fhir(t: TakeIn, doc: Any, staff: Staff, key: str | None) -> Answer:
    """A FHIR R4 Bundle: ServiceRequest.authoredOn starts the clock."""
    fr = referral_from_bundle(doc)
    authored = fr.authored
    if isinstance(authored, datetime):
        if authored.tzinfo is None:
            authored = authored.replace(tzinfo=STOCKHOLM)
        day, clock_start = local_day(authored), authored
    else:
        day, clock_start = authored, start_of_day(authored)
    t.not_future(day, "ServiceRequest.authoredOn")
    ref, child = t.child(ChildIn(identity_number=fr.identity_number, municipality=fr.municipality), day, "Patient")
    contact = Contact(channel="edi", source="healthcare", clock_start=clock_start, received_at=t.rt.clock.now(),
                      patient_ref=ref, child=child, sender_date=day, contact=t.seal(ref, fr.contact),
                      external_ref=fr.external_ref, reason_codes=fr.reason_codes)
    nk = _natural_key(key, "edi", "healthcare", fr.external_ref)
    return t.submit(contact, staff, nk, request_hash(doc))


def from_paper(t: TakeIn, docs: DocumentStore, form: PaperForm, data: bytes, staff: Staff, key: str | None) -> Answer:
    """A scanned paper referral: the date WRITTEN starts the clock; arrival and digitisation are kept too."""
    t.not_future(form.date_written, "date_written")
    t.not_future(form.date_arrived, "date_arrived")
    scan = check_scan(data, t.rt.settings.max_scan_bytes)  # type: ignore[attr-defined]
    ref, child = t.child(form.child, form.date_written)
    docs.put(scan)  # content-addressed: a retry or a failed commit leaves at most one harmless copy
    doc_row = DocumentRow(sha256=scan.sha256, content_type=scan.content_type, size_bytes=scan.size_bytes,
                          stored_at=t.rt.clock.now())
    contact = Contact(channel="paper", source=form.source, clock_start=start_of_day(form.date_written),
                      received_at=start_of_day(form.date_arrived), patient_ref=ref, child=child,
                      sender_date=form.date_written, contact=t.seal(ref, form.contact),
                      external_ref=form.external_ref, reason_codes=tuple(form.reason_codes),
                      paper=PaperDates(scan.sha256, form.date_written, form.date_arrived))
    nk = _natural_key(key, "paper", scan.sha256)
    body = {**form.model_dump(mode="json"), "document_sha256": scan.sha256}
    return t.submit(contact, staff, nk, request_hash(body), {"document_sha256": scan.sha256}, (doc_row,))


def from_call(t: TakeIn, form: FromCallForm, staff: Staff, key: str | None) -> Answer:
    """A case from an answered call or a callback: the call's first step starts the clock."""
    with Session(t.rt.db.engine) as s:
        rows = call_steps(s, form.call_id)
    steps = [(r.step, r.at) for r in rows]
    if not steps:
        raise Invalid([problem("call_id", "Samtalet är okänt för kontaktcentret.", "The call is unknown.",
                               "unknown_call")])
    if not call_reached(steps):
        raise Invalid([problem("call_id", "Samtalet har inte besvarats eller ringts upp.",
                               "The call has not been answered or called back.", "call_not_answered")])
    started = call_started(steps)
    assert started is not None
    channel, line_source = channel_of_line(rows[0].line)  # type: ignore[arg-type]
    source = _call_source(form, channel)
    ref, child = t.child(form.child, local_day(started))
    contact = Contact(channel=channel, source=source or line_source or "guardian", clock_start=started,
                      received_at=started, patient_ref=ref, child=child, sender_date=None,
                      contact=t.seal(ref, form.contact), call_id=form.call_id, reason_codes=tuple(form.reason_codes))
    nk = _natural_key(key, "call", form.call_id)
    return t.submit(contact, staff, nk, request_hash(form.model_dump(mode="json")))


def _call_source(form: FromCallForm, channel: str) -> str:
    if channel == "partner" and form.source not in PARTNER_SOURCES:
        raise Invalid([problem("source", f"Samtal på partnernumret: ange en av {', '.join(PARTNER_SOURCES)}.",
                               f"A call on the partners' number: give one of {', '.join(PARTNER_SOURCES)}.",
                               "source_for_line")])
    if channel == "phone" and form.source not in ("guardian", "young_person", "other"):
        raise Invalid([problem("source", "Samtal på 1177: vårdnadshavare, den unge själv eller annan.",
                               "A call on 1177: guardian, young person or other.", "source_for_line")])
    return form.source
