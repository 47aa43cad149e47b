"""The call in one screen: take an answered call, find the child (or their open case), and work the case."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from contracts.common import MUNICIPALITIES
from services.workspace.backend import Refused
from services.workspace.family_language import LANGUAGE_FIELDS, language_answer, language_choices
from services.workspace.returns import returnable
from services.workspace.web import Web, redirect

CALLERS = ("guardian", "young_person", "social_services", "school_student_health", "other")


def build_call(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/calls/{call_id}")
    async def call_page(request: Request, call_id: str) -> Response:
        session = web.session(request)
        try:
            call = await web.backend.get(session, "intake", f"/api/calls/{call_id}")
        except Refused as exc:
            return web.render(request, "refused.html", session, status=exc.status)
        rung = session.test_calls.get(call_id, {})  # a test call on the embedded default: what the phone showed
        return web.render(request, "call.html", session, call=call, values={"source": "guardian", "reasons": [], **rung},
                          errors={}, municipalities=MUNICIPALITIES, callers=CALLERS,
                          languages=await language_choices(web, session))

    @router.post("/calls/{call_id}/case")
    async def open_case(request: Request, call_id: str, identity_number: str = Form(""), municipality: str = Form(""),
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
    async def case_page(request: Request, case_id: str, opened: str | None = None,
                        returned: str | None = None) -> Response:
        session = web.session(request)
        try:
            case = await web.backend.get(session, "intake", f"/api/cases/{case_id}")
        except Refused as exc:
            return web.render(request, "refused.html", session, status=exc.status)
        case["days_left"] = case.get("promise_days", 3) - case["days_since_clock_start"]
        return web.render(request, "case.html", session, case=case, opened=opened, returned=returned,
                          returnable=returnable(case))

    @router.get("/documents/{sha256}")
    async def document(request: Request, sha256: str) -> Response:
        session = web.session(request)
        r = await web.backend.request(session, "intake", "GET", f"/api/documents/{sha256}")
        if r.status_code != 200:
            return web.render(request, "refused.html", session, status=r.status_code)
        return Response(r.content, media_type=r.headers.get("content-type", "application/octet-stream"),
                        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"})

    return router


def _call_field(field: str) -> str:
    return {"child.identity_number": "identity_number", "child.municipality": "municipality",
            "contact.phone": "phone", "contact.email": "email", "contact": "phone", "reason_codes": "reasons",
            "call_id": "form", "source": "source", **LANGUAGE_FIELDS}.get(field, "form")
