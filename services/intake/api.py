"""HTTP API of the intake service for staff apps, senders and the call platform (thin: parse -> service)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, File, Form, Header, Query, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.chassis.auth import Staff, require
from services.chassis.errors import DomainError, field_error
from services.chassis.limits import LIMIT_KEY
from services.intake import channels
from services.intake.calls import Calls
from services.intake.casework import Casework, close_events
from services.intake.documents import DocumentStore
from services.intake.domain import advice
from services.intake.fhir import PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID
from services.intake.forms import (
    AdviceIn,
    CallStepIn,
    CloseIn,
    FromCallForm,
    InterviewIn,
    PaperForm,
    ReferralForm,
    SchoolReferralForm,
    SignpostIn,
)
from services.intake.schools import SchoolReferrals
from services.intake.takein import TakeIn

IdemKey = Header(None, alias="Idempotency-Key", max_length=200,
                 description="Makes a retried submission return the same case instead of a second one.")
CASE_READERS = ("call_handler", "clinician", "coordinator", "kc_head")
CASE_WORKERS = ("call_handler", "clinician")


def _answer(result: tuple[dict[str, Any], bool]) -> JSONResponse:
    body, replayed = result
    return JSONResponse(body, status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true"} if replayed else None)


FHIR_MAX_BYTES = 256 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # the `referral` part and the multipart boundaries around the scan
FHIR_DESCRIPTION = f"""A FHIR R4 `Bundle` (`Content-Type: application/fhir+json`, at most {FHIR_MAX_BYTES // 1024} KiB).

What intake reads from it:

- exactly one `ServiceRequest`: `authoredOn` (the referral date; the 3-day clock starts here), `identifier[0].value`
  or `id` (the sender's reference; a resend with the same one lands on the same case), `requester` (a reference to a
  Practitioner, PractitionerRole or Organization in the bundle), `subject` (a reference to the bundle's Patient),
  `reasonCode.coding.code` (codes only, e.g. ICD-10 `F41.1`; display texts are ignored);
- exactly one `Patient`: `identifier` with `system` **{PERSONNUMMER_OID}** (personnummer) or
  **{SAMORDNINGSNUMMER_OID}** (samordningsnummer), `address.district` (or `address.city`): the municipality of
  residence, `contact[].telecom` (`phone`/`sms`: a phone number, stored as E.164; `email`) and `contact[].name.text`.

Any other identifier system is ignored; a Patient without one of the two is refused (`Patient.identifier`)."""


def _paper_form_schema(max_scan: int) -> dict[str, Any]:
    """The multipart body as callers must send it: the `referral` part is a PaperForm in JSON."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["scan", "referral"], "properties": {
            "scan": {"type": "string", "format": "binary", "maxLength": max_scan,
                     "description": "The scanned referral: PDF, PNG or JPEG."},
            "referral": {"$ref": "#/components/schemas/PaperForm"}}},
        "encoding": {"referral": {"contentType": "application/json"},
                     "scan": {"contentType": "application/pdf, image/png, image/jpeg"}}}}}}


def _takein_routes(api: APIRouter, t: TakeIn, docs: DocumentStore) -> None:
    @api.post("/referrals", status_code=201, summary="An EDI referral in our JSON form, or a partner's referral.")
    def referral(form: ReferralForm, key: str | None = IdemKey,
                 staff: Staff = require("ops", *CASE_WORKERS)) -> JSONResponse:
        return _answer(channels.from_form(t, form, staff, key))

    @api.post("/referrals/fhir", status_code=201, summary="An HL7 FHIR R4 referral Bundle (ServiceRequest, Patient, "
              "requester). Answers with our case reference and status.", description=FHIR_DESCRIPTION,
              openapi_extra={LIMIT_KEY: FHIR_MAX_BYTES})
    def fhir(bundle: dict[str, Any] = Body(..., media_type="application/fhir+json"), key: str | None = IdemKey,
             staff: Staff = require("ops", *CASE_WORKERS)) -> JSONResponse:
        return _answer(channels.from_fhir(t, bundle, staff, key))

    max_scan = t.rt.settings.max_scan_bytes  # type: ignore[attr-defined]

    @api.post("/referrals/paper", status_code=201, summary="Register a scanned paper referral (PDF/PNG/JPEG) "
              "with its typed fields as JSON in the form field `referral`.",
              description=f"multipart/form-data with two parts: `scan`, the PDF, PNG or JPEG (at most {max_scan} "
              "bytes), and `referral`, a JSON object of the PaperForm schema (the dates, the child, the contact).",
              openapi_extra={LIMIT_KEY: max_scan + FORM_OVERHEAD_BYTES, **_paper_form_schema(max_scan)})
    def paper(scan: UploadFile = File(...), referral: str = Form(..., description="A PaperForm as JSON."),
              key: str | None = IdemKey, staff: Staff = require(*CASE_WORKERS, "coordinator")) -> JSONResponse:
        try:
            form = PaperForm.model_validate_json(referral)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", "referral", *e["loc"])} for e in exc.errors()]) from None
        data = scan.file.read(max_scan + 1)
        if len(data) > max_scan:
            raise DomainError([field_error("scan", f"Filen är för stor (högst {max_scan // 1024} KiB).",
                                           f"The file is too large (at most {max_scan // 1024} KiB).", "too_large")],
                              status=413)
        return _answer(channels.from_paper(t, docs, form, data, staff, key))

    @api.post("/cases/from-call", status_code=201, summary="Open a case from an answered call or a callback.")
    def from_call(form: FromCallForm, key: str | None = IdemKey,
                  staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
        return _answer(channels.from_call(t, form, staff, key))

    @api.get("/documents/{sha256}", summary="A stored scan (audited read).", response_class=Response)
    def document(sha256: str, staff: Staff = require(*CASE_WORKERS, "coordinator")) -> Response:
        data = docs.get(sha256) if len(sha256) == 64 and sha256.isalnum() else None
        t.rt.audit.record(staff, "read-document", detail=sha256[:64], outcome="ok" if data else "not_found")
        if data is None:
            raise DomainError([field_error("sha256", "Dokumentet finns inte.", "No such document.", "not_found")],
                              status=404)
        kind = "application/pdf" if data.startswith(b"%PDF") else "image/png" if data.startswith(b"\x89PNG") \
            else "image/jpeg"
        return Response(data, media_type=kind)


def _case_routes(api: APIRouter, cw: Casework) -> None:
    @api.get("/cases/{case_id}", summary="A case with its contacts and clock (audited read).")
    def read_case(case_id: str, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
        return cw.read_case(case_id, staff)

    @api.get("/work-queue", summary="Today's new referrals, oldest clock first, with days since the clock "
             "started and whether the 3-day promise is at risk (audited read).")
    def work_queue(staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
        return cw.queue(staff)

    @api.post("/cases/{case_id}/advice", status_code=201,
              summary="A licensed professional gave advice: the medical assessment of the 3-day promise.")
    def give_advice(case_id: str, body: AdviceIn, key: str | None = IdemKey,
                    staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
        return _answer(cw.act(case_id, staff, "advice", lambda a, now: advice.advice_events(
            case_id, a, now, body.topic_codes), body.model_dump(), key))

    @api.post("/cases/{case_id}/signposting", status_code=201, summary="Signpost the family; closes the case.")
    def signpost(case_id: str, body: SignpostIn, key: str | None = IdemKey,
                 staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
        return _answer(cw.act(case_id, staff, "signposting", lambda a, now: advice.signposting_events(
            case_id, a, now, body.destination, body.reason), body.model_dump(), key))

    @api.post("/cases/{case_id}/interview", status_code=201, summary="Hand over to a telephone interview.")
    def interview(case_id: str, body: InterviewIn, key: str | None = IdemKey,
                  staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
        return _answer(cw.act(case_id, staff, "interview", lambda a, now: advice.interview_events(
            case_id, a, now, body.scheduled_for), body.model_dump(mode="json"), key))

    @api.post("/cases/{case_id}/close", status_code=201, summary="Close the case (completed or withdrawn).")
    def close(case_id: str, body: CloseIn, key: str | None = IdemKey,
              staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
        return _answer(cw.act(case_id, staff, "close", lambda a, now: close_events(case_id, now, body.reason),
                              body.model_dump(), key))


def _school_routes(api: APIRouter, sr: SchoolReferrals) -> None:
    @api.get("/schools", summary="The schools whose student health may use the digital referral form (no "
             "personal data).")
    def schools(staff: Staff = require(*CASE_READERS, "school_sender", "ops")) -> dict[str, Any]:
        return sr.schools.model_dump()

    lim = sr.limits

    @api.post("/referrals/school", status_code=201, summary="A referral from a school's student health through the "
              "digital form: the form as JSON in `referral`, PDF attachments in `attachments`.",
              description=f"multipart/form-data: `referral`, a JSON object of the SchoolReferralForm schema, and up to "
              f"{lim.max_attachments} `attachments`, PDF files of at most {lim.max_attachment_bytes} bytes each "
              "(checked by content). The school comes from the sender's token; the 3-day clock starts now. Answers "
              "with a receipt (the school's reference, never the case). 422 `no_consent` names the alternatives; "
              "429 when the sender sends too often.",
              openapi_extra={LIMIT_KEY: lim.max_attachments * lim.max_attachment_bytes + FORM_OVERHEAD_BYTES})
    def school(referral: str = Form(..., max_length=20_000, description="A SchoolReferralForm as JSON."),
               attachments: list[UploadFile] = File(default_factory=list),
               key: str | None = IdemKey, staff: Staff = require("school_sender")) -> JSONResponse:
        try:
            form = SchoolReferralForm.model_validate_json(referral)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", "referral", *e["loc"])} for e in exc.errors()]) from None
        files = [(f.filename or "bilaga.pdf", f.file.read(lim.max_attachment_bytes + 1))
                 for f in attachments[:lim.max_attachments + 1]]
        return _answer(sr.submit(form, files, staff, key))

    @api.get("/school-referrals", summary="The sender's school's referrals with their status only (received, "
             "assessed, passed_on, closed): never clinical content (audited read).")
    def school_referrals(staff: Staff = require("school_sender")) -> dict[str, Any]:
        return sr.for_school(staff)

    @api.get("/school-referrals/{referral_id}", summary="One school referral by the school's reference, with its "
             "case and the school's text, for the contact centre (audited read).")
    def school_referral(referral_id: str, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
        return sr.by_reference(referral_id, staff)

    @api.get("/cases/{case_id}/school-referrals", summary="A case's school referrals with the school's question, "
             "what it tried, the consent and the sender (audited read).")
    def case_school_referrals(case_id: str, staff: Staff = require(*CASE_READERS)) -> list[dict[str, Any]]:
        return sr.for_case(case_id, staff)


def _call_routes(api: APIRouter, calls: Calls) -> None:
    @api.post("/telephony/events", status_code=201, summary="A call step from the call platform (idempotent: "
              "a retried step answers 200 with the first event id).")
    def call_step(step: CallStepIn, staff: Staff = require("ops")) -> JSONResponse:
        return _answer(calls.record(step))

    @api.get("/calls", summary="Answered calls and callbacks that no case has taken yet, newest first (call ids "
             "and times only: no caller identity exists here).")
    def waiting_calls(hours: int = Query(12, ge=1, le=72, description="How far back to look."),
                      staff: Staff = require(*CASE_WORKERS)) -> list[dict[str, Any]]:
        return calls.waiting(hours)

    @api.get("/calls/{call_id}", summary="The steps of a call in time order (no personal data).")
    def call(call_id: str, staff: Staff = require(*CASE_WORKERS, "ops")) -> dict[str, Any]:
        return {"call_id": call_id, "steps": calls.steps(call_id)}


def build_api(t: TakeIn, cw: Casework, calls: Calls, docs: DocumentStore, sr: SchoolReferrals) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["intake"])
    _takein_routes(api, t, docs)
    _school_routes(api, sr)
    _case_routes(api, cw)
    _call_routes(api, calls)
    return api
