"""HTTP API of call-backs and the estimated wait: the call platform reports, staff take and ring (thin)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from services.chassis.auth import Staff, require
from services.intake.api import CASE_READERS, CASE_WORKERS, Of, answer
from services.intake.forms import CallbackOutcomeIn, CallbackRequestIn, StaffingIn
from services.intake.use_cases import callbacks, waiting

CallbackId = Path(max_length=20, examples=["CB-7K3M9Q2XH4TB"], description="The call-back's id.")

platform_api = APIRouter(prefix="/api/telephony", tags=["intake"])


@platform_api.post("/callbacks", status_code=201, summary="A caller chose a call-back ('ring upp mig') or met a "
                   "full queue: promise a window (the SMS naming it goes from notifications). One per call: a "
                   "retry answers 200 with the first promise.")
def request_callback(form: CallbackRequestIn, deps: Of, staff: Staff = require("ops")) -> JSONResponse:
    return answer(callbacks.request(deps, form))


@platform_api.post("/staffing", status_code=201, summary="The platform's count of agents signed in to the queue "
                   "(for the estimated wait).")
def report_staffing(form: StaffingIn, deps: Of, staff: Staff = require("ops")) -> dict[str, Any]:
    return waiting.report_staffing(deps, form)


@platform_api.get("/estimated-wait", summary="The wait a caller ringing now would have, and whether to offer a "
                  "call-back (method: docs/callbacks.md). For the platform's read-out; no personal data.")
def estimated_wait(deps: Of, staff: Staff = require("ops", *CASE_READERS)) -> dict[str, Any]:
    return waiting.estimated_wait(deps)


staff_api = APIRouter(prefix="/api/callbacks", tags=["intake"])


@staff_api.get("", summary="The call-back list: waiting call-backs, the one due first on top, overdue marked "
               "(no numbers: a number is given only on taking).")
def callback_list(deps: Of, staff: Staff = require(*CASE_READERS)) -> dict[str, Any]:
    return waiting.callback_list(deps, staff)


@staff_api.post("/{callback_id}/take", summary="Take a call-back to ring it: answers with the number (audited). "
                "Two staff cannot take the same one: the second gets 409 already_taken.")
def take(deps: Of, callback_id: str = CallbackId, staff: Staff = require(*CASE_WORKERS)) -> dict[str, Any]:
    return callbacks.take_callback(deps, callback_id, staff)


@staff_api.post("/{callback_id}/release", summary="Put a taken call-back back on the list, untried.")
def release(deps: Of, callback_id: str = CallbackId, staff: Staff = require(*CASE_WORKERS)) -> dict[str, Any]:
    return callbacks.release(deps, callback_id, staff)


@staff_api.post("/{callback_id}/outcome", summary="How the try ended: reached (the call goes on as a call), not "
                "reached (next try set; after the last the family is asked to call), or cancelled.")
def outcome(body: CallbackOutcomeIn, deps: Of, callback_id: str = CallbackId,
            staff: Staff = require(*CASE_WORKERS)) -> dict[str, Any]:
    return callbacks.finish(deps, callback_id, body, staff)


ROUTERS = [platform_api, staff_api]
