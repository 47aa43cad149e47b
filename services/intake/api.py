"""HTTP API of the intake service for staff apps, senders and the call platform (thin: parse -> use case)."""
from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from contracts.common import Channel
from services.chassis.auth import Staff, require
from services.chassis.limits import LIMIT_KEY
from services.chassis.refusal import Refusal, Refused
from services.chassis.validation import Ident
from services.intake.deps import Deps, Limits
from services.intake.domain.fhir import PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID
from services.intake.domain.scans import stored_kind
from services.intake.forms import (
    AdviceIn,
    CallStepIn,
    CloseIn,
    FromCallForm,
    InterviewIn,
    PaperForm,
    ReferralForm,
    ReturnIn,
    SchoolReferralForm,
    SignpostIn,
)
from services.intake.use_cases import call_today, calls, cases, referrals, returns
from services.intake.use_cases import schools as school_form
from services.intake.use_cases import work_queue as work_queue_uc
from services.intake.use_cases.idempotency import Answer
from services.intake.use_cases.work_queue import Which

IdemKey = Header(None, alias="Idempotency-Key", max_length=200,
                 description="Makes a retried submission return the same case instead of a second one.")
CASE_READERS = ("call_handler", "clinician", "coordinator", "kc_head")
CASE_WORKERS = ("call_handler", "clinician")
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
  residence, `contact[].telecom` (`phone`/`sms`: a phone number, stored as E.164; `email`) and `contact[].name.text`;
  `communication[].language.coding.code` (BCP 47: the preferred communication, else the first; its primary subtag
  must be on GET /api/languages, e.g. `ar` or `ar-SY`) and the extension
  `http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired` (`valueBoolean`): the family's language and
  whether an interpreter is needed.

Any other identifier system is ignored; a Patient without one of the two is refused (`Patient.identifier`)."""

M = TypeVar("M", bound=BaseModel)


async def deps_of(request: Request) -> Deps:
    """The service's dependencies, put on the app by app.py."""
    deps: Deps = request.app.state.deps
    return deps


Of = Annotated[Deps, Depends(deps_of)]


def answer(result: Answer) -> JSONResponse:
    body, replayed = result
    return JSONResponse(body, status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true"} if replayed else None)


def _form_part(model: type[M], text: str) -> M:
    """The JSON part `referral` of a multipart form; its errors located under it."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", "referral", *e["loc"])} for e in exc.errors()]) from None


referrals_api = APIRouter(prefix="/api", tags=["intake"])


@referrals_api.post("/referrals", status_code=201, summary="An EDI referral in our JSON form, or a partner's referral.")
def referral(form: ReferralForm, deps: Of, key: str | None = IdemKey,
             staff: Staff = require("ops", *CASE_WORKERS)) -> JSONResponse:
    return answer(referrals.from_form(deps, form, staff, key))


@referrals_api.post("/referrals/fhir", status_code=201, summary="An HL7 FHIR R4 referral Bundle (ServiceRequest, "
                    "Patient, requester). Answers with our case reference and status.", description=FHIR_DESCRIPTION,
                    openapi_extra={LIMIT_KEY: FHIR_MAX_BYTES})
def fhir(deps: Of, bundle: dict[str, Any] = Body(..., media_type="application/fhir+json"),
         key: str | None = IdemKey, staff: Staff = require("ops", *CASE_WORKERS)) -> JSONResponse:
    return answer(referrals.from_fhir(deps, bundle, staff, key))


@referrals_api.post("/cases/from-call", status_code=201, summary="Open a case from an answered call or a callback.")
def from_call(form: FromCallForm, deps: Of, key: str | None = IdemKey,
              staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
    return answer(referrals.from_call(deps, form, staff, key))


@referrals_api.get("/documents/{sha256}", summary="A stored scan (audited read).", response_class=Response)
def document(sha256: Ident, deps: Of, staff: Staff = require(*CASE_WORKERS, "coordinator")) -> Response:
    data = referrals.read_document(deps, sha256, staff)
    # a download that cannot run: never shown inline, and sandboxed should anything render it
    return Response(data, media_type=stored_kind(data), headers={
        "Content-Disposition": f'attachment; filename="{sha256[:12]}.{stored_kind(data).split("/")[1]}"',
        "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def paper(deps: Of, scan: UploadFile = File(...), referral: str = Form(..., description="A PaperForm as JSON."),
          key: str | None = IdemKey, staff: Staff = require(*CASE_WORKERS, "coordinator")) -> JSONResponse:
    form = _form_part(PaperForm, referral)
    most = deps.max_scan_bytes
    data = scan.file.read(most + 1)
    if len(data) > most:
        raise Refused(Refusal("scan", "too_large", f"Filen är för stor (högst {most // 1024} KiB).",
                              f"The file is too large (at most {most // 1024} KiB).", 413))
    return answer(referrals.from_paper(deps, form, data, staff, key))


def school(deps: Of, referral: str = Form(..., max_length=20_000, description="A SchoolReferralForm as JSON."),
           attachments: list[UploadFile] = File(default_factory=list),
           key: str | None = IdemKey, staff: Staff = require("school_sender")) -> JSONResponse:
    form = _form_part(SchoolReferralForm, referral)
    lim = deps.limits
    files = [(f.filename or "bilaga.pdf", f.file.read(lim.max_attachment_bytes + 1))
             for f in attachments[:lim.max_attachments + 1]]
    return answer(school_form.submit_referral(deps, form, files, staff, key))


def _paper_form_schema(max_scan: int) -> dict[str, Any]:
    """The multipart body as callers must send it: the `referral` part is a PaperForm in JSON."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["scan", "referral"], "properties": {
            "scan": {"type": "string", "format": "binary", "maxLength": max_scan,
                     "description": "The scanned referral: PDF, PNG or JPEG."},
            "referral": {"$ref": "#/components/schemas/PaperForm"}}},
        "encoding": {"referral": {"contentType": "application/json"},
                     "scan": {"contentType": "application/pdf, image/png, image/jpeg"}}}}}}


def uploads_api(max_scan: int, lim: Limits) -> APIRouter:
    """The two upload routes: their body limits and descriptions name this deployment's sizes."""
    api = APIRouter(prefix="/api", tags=["intake"])
    api.add_api_route(
        "/referrals/paper", paper, methods=["POST"], status_code=201,
        summary="Register a scanned paper referral (PDF/PNG/JPEG) with its typed fields as JSON in the form field "
                "`referral`.",
        description=f"multipart/form-data with two parts: `scan`, the PDF, PNG or JPEG (at most {max_scan} bytes), "
                    "and `referral`, a JSON object of the PaperForm schema (the dates, the child, the contact).",
        openapi_extra={LIMIT_KEY: max_scan + FORM_OVERHEAD_BYTES, **_paper_form_schema(max_scan)})
    api.add_api_route(
        "/referrals/school", school, methods=["POST"], status_code=201,
        summary="A referral from a school's student health through the digital form: the form as JSON in "
                "`referral`, PDF attachments in `attachments`.",
        description=f"multipart/form-data: `referral`, a JSON object of the SchoolReferralForm schema, and up to "
                    f"{lim.max_attachments} `attachments`, PDF files of at most {lim.max_attachment_bytes} bytes each "
                    "(checked by content). The school comes from the sender's token; the 3-day clock starts now. "
                    "Answers with a receipt (the school's reference, never the case). 422 `no_consent` names the "
                    "alternatives; 429 when the sender sends too often.",
        openapi_extra={LIMIT_KEY: lim.max_attachments * lim.max_attachment_bytes + FORM_OVERHEAD_BYTES})
    return api


schools_api = APIRouter(prefix="/api", tags=["intake"])


@schools_api.get("/schools", summary="The schools whose student health may use the digital referral form (no "
                 "personal data).")
def schools(deps: Of, staff: Staff = require(*CASE_READERS, "school_sender", "ops")) -> dict[str, Any]:
    return deps.schools.model_dump()


@schools_api.get("/languages", summary="The languages a family can be registered with, named in Swedish and "
                 "English (versioned reference data, no personal data).")
def languages(deps: Of, staff: Staff = require(*CASE_READERS, "school_sender", "ops")) -> dict[str, Any]:
    return deps.languages.model_dump()


@schools_api.get("/school-referrals", summary="The sender's school's referrals with their status only (received, "
                 "assessed, passed_on, closed): never clinical content (audited read).")
def school_referrals(deps: Of, staff: Staff = require("school_sender")) -> dict[str, Any]:
    return school_form.for_school(deps, staff)


@schools_api.get("/school-referrals/{referral_id}", summary="One school referral by the school's reference, with "
                 "its case and the school's text, for the contact centre (audited read).")
def school_referral(referral_id: Ident, deps: Of, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
    return school_form.by_reference(deps, referral_id, staff)


@schools_api.get("/cases/{case_id}/school-referrals", summary="A case's school referrals with the school's question, "
                 "what it tried, the consent and the sender (audited read).")
def case_school_referrals(case_id: Ident, deps: Of, staff: Staff = require(*CASE_READERS)) -> list[dict[str, Any]]:
    return school_form.for_case(deps, case_id, staff)


cases_api = APIRouter(prefix="/api", tags=["intake"])


@cases_api.get("/cases/{case_id}", summary="A case with its contacts and clock (audited read).")
def read_case(case_id: Ident, deps: Of, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
    return cases.read_case(deps, case_id, staff)


@cases_api.get("/work-queue", summary="The cases waiting for their assessment, acute risk first, then the oldest clock: "
               "a page (`limit`, `after` = the page before's `next`; of one `channel`, or `which` at_risk/broken) "
               "with days since the clock started and whether the 3-day promise is at risk, and the whole queue's "
               "counts (waiting, at risk, past the promise, per channel). Audited: a row per child on the page.")
def work_queue(deps: Of, staff: Staff = require(*CASE_READERS), limit: int = Query(500, ge=1, le=500),
               after: str | None = Query(None, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$"),
               channel: Channel | None = None, which: Which = "all") -> dict[str, Any]:
    return work_queue_uc.queue(deps, staff, limit, after, channel, which)


@cases_api.post("/cases/{case_id}/advice", status_code=201,
                summary="A licensed professional gave advice: the medical assessment of the 3-day promise.")
def give_advice(case_id: Ident, body: AdviceIn, deps: Of, key: str | None = IdemKey,
                staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
    return answer(cases.give_advice(deps, case_id, body, staff, key))


@cases_api.post("/cases/{case_id}/signposting", status_code=201, summary="Signpost the family; closes the case.")
def signpost(case_id: Ident, body: SignpostIn, deps: Of, key: str | None = IdemKey,
             staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
    return answer(cases.signpost(deps, case_id, body, staff, key))


@cases_api.post("/cases/{case_id}/interview", status_code=201, summary="Hand over to a telephone interview.")
def interview(case_id: Ident, body: InterviewIn, deps: Of, key: str | None = IdemKey,
              staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
    return answer(cases.schedule_interview(deps, case_id, body, staff, key))


@cases_api.post("/cases/{case_id}/return", status_code=201,
                summary="A licensed professional returns the referral to its referrer with advice and a coded reason; "
                        "the referrer and the family are told, the case closes as returned.")
def return_referral(case_id: Ident, body: ReturnIn, deps: Of, key: str | None = IdemKey,
                    staff: Staff = require("clinician")) -> JSONResponse:
    return answer(returns.return_referral(deps, case_id, body, staff, key))


@cases_api.get("/return-reasons", summary="The coded reasons a referral may be returned for, in Swedish and English "
               "(versioned reference data, no personal data).")
def return_reasons(deps: Of, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
    return deps.return_reasons.model_dump()


@cases_api.get("/call-today", summary="Families to call today from their check-in answers (risk first, then the "
               "oldest): worse, the risk question, no longer needed (audited read).")
def call_today_list(deps: Of, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
    return call_today.today_list(deps, staff)


@cases_api.post("/call-today/{checkin_id}/done", summary="A person called the family: off today's list (audited).")
def call_today_done(checkin_id: str, deps: Of, staff: Staff = require(*CASE_WORKERS)) -> dict[str, Any]:
    return call_today.done(deps, checkin_id, staff, deps.clock.now())


@cases_api.post("/cases/{case_id}/close", status_code=201, summary="Close the case (completed or withdrawn).")
def close(case_id: Ident, body: CloseIn, deps: Of, key: str | None = IdemKey,
          staff: Staff = require(*CASE_WORKERS)) -> JSONResponse:
    return answer(cases.close_case(deps, case_id, body, staff, key))


calls_api = APIRouter(prefix="/api", tags=["intake"])


@calls_api.post("/telephony/events", status_code=201, summary="A call step from the call platform (idempotent: "
                "a retried step answers 200 with the first event id).")
def call_step(step: CallStepIn, deps: Of, staff: Staff = require("ops")) -> JSONResponse:
    return answer(calls.record_step(deps, step))


@calls_api.get("/calls", summary="Answered calls and callbacks that no case has taken yet, newest first (call ids "
               "and times only: no caller identity exists here).")
def waiting_calls(deps: Of, hours: int = Query(12, ge=1, le=72, description="How far back to look."),
                  staff: Staff = require(*CASE_WORKERS)) -> list[dict[str, Any]]:
    return calls.waiting(deps, hours)


@calls_api.get("/calls/{call_id}", summary="The steps of a call in time order (no personal data).")
def call(call_id: Ident, deps: Of, staff: Staff = require(*CASE_WORKERS, "ops")) -> dict[str, Any]:
    return {"call_id": call_id, "steps": calls.steps(deps, call_id)}


def routers(max_scan: int, lim: Limits) -> list[APIRouter]:
    """Every router of the API, in the order their routes are documented."""
    return [referrals_api, uploads_api(max_scan, lim), schools_api, cases_api, calls_api]
