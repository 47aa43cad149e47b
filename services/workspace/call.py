"""The call in one screen: take an answered call, find the child (or their open case), and work the case."""
from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from contracts.common import MUNICIPALITIES
from services.workspace.backend import Refused, errors_of
from services.workspace.family_language import LANGUAGE_FIELDS, language_answer, language_choices
from services.workspace.returns import returnable
from services.workspace.web import WebDep, redirect

SHA256 = re.compile(r"[0-9a-f]{64}")
DOCUMENT_KINDS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
DOCUMENT_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
CALLERS = ("guardian", "young_person", "social_services", "school_student_health", "other")


router = APIRouter()


@router.get("/calls/{call_id}")
async def call_page(request: Request, web: WebDep, call_id: str) -> Response:
    session = web.session(request)
    try:
        call = await web.backend.get(session, "intake", f"/api/calls/{call_id}")
    except Refused as exc:
        return web.render(request, "refused.html", session, status=exc.status, errors=web.errors_text(session, exc))
    # what the phone showed for a test call on the embedded default, or a taken call-back's number
    rung = session.test_calls.get(call_id) or session.callback_numbers.get(call_id, {})
    return web.render(request, "call.html", session, call=call, values={"source": "guardian", "reasons": [], **rung},
                      errors={}, municipalities=MUNICIPALITIES, callers=CALLERS,
                      languages=await language_choices(web, session))


@router.post("/calls/{call_id}/case")
async def open_case(request: Request, web: WebDep, call_id: str, identity_number: str = Form(""),
                    municipality: str = Form(""),
                    source: str = Form("guardian"), phone: str = Form(""), email: str = Form(""),
                    preferred_channel: str = Form("sms"), reasons: list[str] = Form([]), language: str = Form(""),
                    interpreter_needed: str = Form("")) -> Response:
    session = web.session(request)
    values: dict[str, Any] = {"identity_number": identity_number, "municipality": municipality, "source": source,
                              "phone": phone, "email": email, "preferred_channel": preferred_channel, "reasons": reasons,
                              "language": language, "interpreter_needed": interpreter_needed}
    contact = {k: v.strip() for k, v in (("phone", phone), ("email", email)) if v.strip()}
    body = {"call_id": call_id, "source": source,
            "child": {"identity_number": identity_number, "municipality": municipality},
            "contact": {**contact, "preferred_channel": preferred_channel} if contact else None,
            "reason_codes": reasons, **language_answer(language, interpreter_needed)}
    try:
        # the call id is the natural key: a double click or a retry lands on the same case
        answer = await web.backend.post(session, "intake", "/api/cases/from-call", json=body,
                                        headers={"Idempotency-Key": f"call-{call_id}"})
    except Refused as exc:
        errors = {_call_field(f): m for f, m in web.errors_text(session, exc).items()}
        call = {"call_id": call_id, "steps": []}
        try:
            call = await web.backend.get(session, "intake", f"/api/calls/{call_id}")
        except Refused:
            pass
        return web.render(request, "call.html", session, status=422, call=call, values=values, errors=errors,
                          municipalities=MUNICIPALITIES, callers=CALLERS,
                          languages=await language_choices(web, session))
    return redirect(request, f"/cases/{answer['case_id']}?opened={answer['status']}")


@router.get("/cases/{case_id}")
async def case_page(request: Request, web: WebDep, case_id: str, opened: str | None = None,
                    returned: str | None = None) -> Response:
    session = web.session(request)
    try:
        case = await web.backend.get(session, "intake", f"/api/cases/{case_id}")
    except Refused as exc:
        return web.render(request, "refused.html", session, status=exc.status, errors=web.errors_text(session, exc))
    case["days_left"] = case.get("promise_days", 3) - case["days_since_clock_start"]
    return web.render(request, "case.html", session, case=case, opened=opened, returned=returned,
                      returnable=returnable(case))


@router.get("/documents/{sha256}")
async def document(request: Request, web: WebDep, sha256: str) -> Response:
    session = web.session(request)
    if not SHA256.fullmatch(sha256):
        raise Refused(404, [])
    r = await web.backend.request(session, "intake", "GET", f"/api/documents/{sha256}")
    if r.status_code != 200:
        raise Refused(r.status_code, errors_of(r))
    kind = r.headers.get("content-type", "").split(";")[0]
    kind = kind if kind in DOCUMENT_KINDS else "application/octet-stream"
    # saved, never shown in the workspace's origin; and should a browser render it anyway, it runs sandboxed
    return Response(r.content, media_type=kind, headers={
        "Cache-Control": "no-store", "Content-Security-Policy": DOCUMENT_CSP,
        "Content-Disposition": f'attachment; filename="remiss-{sha256[:12]}.{DOCUMENT_KINDS.get(kind, "bin")}"'})


def _call_field(field: str) -> str:
    return {"child.identity_number": "identity_number", "child.municipality": "municipality",
            "contact.phone": "phone", "contact.email": "email", "contact": "phone", "reason_codes": "reasons",
            "call_id": "form", "source": "source", **LANGUAGE_FIELDS}.get(field, "form")
