"""Return with advice, in the case's screen beside the decision: the reason from intake's coded list and the
advice to the referrer; a refusal is shown at its field, a return sends the person to the closed case."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace.backend import Refused
from services.workspace.sessions import Session
from services.workspace.web import Web, WebDep, redirect

REFERRED = ("edi", "paper", "school_form", "partner")  # ways in with a referrer to return to


async def return_reasons(web: Web, session: Session) -> list[dict[str, str]]:
    """The reasons to choose from, named in the person's language (none when intake is away)."""
    try:
        data: dict[str, Any] = await web.backend.get(session, "intake", "/api/return-reasons")
    except Refused:
        return []
    i = "en" if session.lang == "en" else "sv"
    return [{"code": r["code"], "name": r[i]} for r in data.get("reasons", []) if not r.get("retired")]


def returnable(case: dict[str, Any]) -> bool:
    """An open case that came by referral (a call has no referrer to return to)."""
    return case.get("status") == "open" and any(c["channel"] in REFERRED for c in case.get("contacts", []))


router = APIRouter()


@router.get("/cases/{case_id}/return")
async def return_panel(request: Request, web: WebDep, case_id: str) -> Response:
    session = web.session(request)
    return web.render(request, "_return.html", session, case_id=case_id, errors={}, values={},
                      reasons=await return_reasons(web, session))

@router.post("/cases/{case_id}/return")
async def return_referral(request: Request, web: WebDep, case_id: str, reason: str = Form(""),
                          advice: str = Form("")) -> Response:
    session = web.session(request)
    try:
        await web.backend.post(session, "intake", f"/api/cases/{case_id}/return",
                               json={"reason": reason, "advice": advice},
                               headers={"Idempotency-Key": f"return-{case_id}"})
    except Refused as exc:
        errors = {(f if f in ("reason", "advice") else "return"): m
                  for f, m in web.errors_text(session, exc).items()}
        return web.render(request, "_return.html", session, status=422, case_id=case_id, errors=errors,
                          values={"reason": reason, "advice": advice},
                          reasons=await return_reasons(web, session))
    return redirect(request, f"/cases/{case_id}?returned=1")
