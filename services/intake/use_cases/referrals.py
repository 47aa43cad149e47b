"""Each way in, from its own input to a case: where its clock starts and which fields it needs."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from contracts.intake import Referrer
from services.chassis.auth import Staff
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local_day, start_of_day
from services.intake.domain.cases import Contact, PaperDates
from services.intake.domain.fhir import clock_of, referral_from_bundle
from services.intake.domain.idempotency import natural_key, request_hash
from services.intake.domain.scans import check_scan
from services.intake.domain.telephony import call_reached, call_source, call_started, channel_of_line
from services.intake.forms import ChildIn, FromCallForm, PaperForm, ReferralForm
from services.intake.store.queries import call_steps, children_of_document
from services.intake.store.tables import DocumentRow
from services.intake.use_cases.contacts import child, language_of, not_future, reply_details, seal, submit
from services.intake.use_cases.idempotency import Answer


def from_form(deps: Deps, form: ReferralForm, staff: Staff, key: str | None) -> Answer:
    """EDI (own JSON form) or partner referral: the sender's date starts the clock."""
    not_future(deps, form.authored_on, "authored_on")
    language = language_of(deps, form.language, form.interpreter_needed)
    ref, kid = child(deps, form.child, form.authored_on)
    contact = Contact(channel=form.channel, source=form.source, clock_start=start_of_day(form.authored_on),
                      received_at=deps.clock.now(), patient_ref=ref, child=kid, sender_date=form.authored_on,
                      contact=seal(deps, ref, form.contact), external_ref=form.external_ref,
                      reason_codes=tuple(form.reason_codes), language=language,
                      referrer=Referrer(kind=form.channel, organisation_ref=form.requester_ref,
                                        service_request_ref=form.external_ref))
    nk = natural_key(key, form.channel, form.source, form.external_ref)
    return submit(deps, contact, staff, nk, request_hash(form.model_dump(mode="json")))


def from_fhir(deps: Deps, doc: Any, staff: Staff, key: str | None) -> Answer:
    """A FHIR R4 Bundle: ServiceRequest.authoredOn starts the clock."""
    fr = referral_from_bundle(doc)
    day, clock_start = clock_of(fr.authored)
    not_future(deps, day, "ServiceRequest.authoredOn")
    language = language_of(deps, fr.language, fr.interpreter_needed, "Patient.communication")
    ref, kid = child(deps, ChildIn(identity_number=fr.identity_number, municipality=fr.municipality), day, "Patient")
    contact = Contact(channel="edi", source="healthcare", clock_start=clock_start, received_at=deps.clock.now(),
                      patient_ref=ref, child=kid, sender_date=day, contact=seal(deps, ref, fr.contact),
                      external_ref=fr.external_ref, reason_codes=fr.reason_codes, language=language,
                      referrer=Referrer(kind="edi", organisation_ref=fr.requester_ref,
                                        service_request_ref=fr.external_ref))
    nk = natural_key(key, "edi", "healthcare", fr.external_ref)
    return submit(deps, contact, staff, nk, request_hash(doc))


def from_paper(deps: Deps, form: PaperForm, data: bytes, staff: Staff, key: str | None) -> Answer:
    """A scanned paper referral: the date WRITTEN starts the clock; arrival and digitisation are kept too."""
    not_future(deps, form.date_written, "date_written")
    not_future(deps, form.date_arrived, "date_arrived")
    scan = check_scan(data, deps.max_scan_bytes)
    language = language_of(deps, form.language, form.interpreter_needed)
    ref, kid = child(deps, form.child, form.date_written)
    deps.docs.put(scan)  # content-addressed: a retry or a failed commit leaves at most one harmless copy
    doc_row = DocumentRow(sha256=scan.sha256, content_type=scan.content_type, size_bytes=scan.size_bytes,
                          stored_at=deps.clock.now())
    contact = Contact(channel="paper", source=form.source, clock_start=start_of_day(form.date_written),
                      received_at=start_of_day(form.date_arrived), patient_ref=ref, child=kid,
                      sender_date=form.date_written, contact=seal(deps, ref, form.contact),
                      external_ref=form.external_ref, reason_codes=tuple(form.reason_codes),
                      paper=PaperDates(scan.sha256, form.date_written, form.date_arrived), language=language,
                      referrer=Referrer(kind="paper", service_request_ref=form.external_ref,
                                        reply_to=seal(deps, ref, reply_details(form.reply_to))))
    nk = natural_key(key, "paper", scan.sha256)
    body = {**form.model_dump(mode="json"), "document_sha256": scan.sha256}
    return submit(deps, contact, staff, nk, request_hash(body), {"document_sha256": scan.sha256}, (doc_row,))


def from_call(deps: Deps, form: FromCallForm, staff: Staff, key: str | None) -> Answer:
    """A case from an answered call or a callback: the call's first step starts the clock."""
    with Session(deps.db.engine) as s:
        rows = call_steps(s, form.call_id)
    steps = [(r.step, r.at) for r in rows]
    if not steps:
        raise Refused(Refusal("call_id", "unknown_call", "Samtalet är okänt för kontaktcentret.",
                              "The call is unknown."))
    if not call_reached(steps):
        raise Refused(Refusal("call_id", "call_not_answered", "Samtalet har inte besvarats eller ringts upp.",
                              "The call has not been answered or called back."))
    started = call_started(steps)
    assert started is not None
    channel, line_source = channel_of_line(rows[0].line)
    source = call_source(channel, form.source)
    language = language_of(deps, form.language, form.interpreter_needed)
    ref, kid = child(deps, form.child, local_day(started))
    contact = Contact(channel=channel, source=source or line_source or "guardian", clock_start=started,
                      received_at=started, patient_ref=ref, child=kid, sender_date=None,
                      contact=seal(deps, ref, form.contact), call_id=form.call_id,
                      reason_codes=tuple(form.reason_codes), language=language)
    nk = natural_key(key, "call", form.call_id)
    return submit(deps, contact, staff, nk, request_hash(form.model_dump(mode="json")))


def read_document(deps: Deps, sha256: str, staff: Staff) -> bytes:
    """A stored scan or school attachment, audited whether found or not: a row per child it came in for."""
    data = deps.docs.get(sha256) if len(sha256) == 64 and sha256.isalnum() else None
    children: list[tuple[str, str]] = []
    if data is not None:
        with Session(deps.db.engine) as s:
            children = children_of_document(s, sha256)
    deps.audit.children(staff, "read-document", [(case, ref) for case, ref in children], detail=sha256[:64],
                        outcome="ok" if data else "not_found")
    if data is None:
        raise Refused(Refusal("sha256", "not_found", "Dokumentet finns inte.", "No such document.", 404))
    return data
