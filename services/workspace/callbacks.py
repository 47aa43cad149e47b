"""The call-back list and screen: the list on the work queue, take one (its number kept in the server-side
session), ring it, and end the try as reached (on to the usual call), not reached, or cancelled."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace.backend import Refused
from services.workspace.sessions import Session
from services.workspace.web import Web, WebDep, redirect

OUTCOMES = ("reached", "not_reached", "cancelled")


router = APIRouter()


@router.get("/queue/callbacks")
async def callback_list(request: Request, web: WebDep) -> Response:
    session = web.session(request)
    try:
        data = await web.backend.get(session, "intake", "/api/callbacks")
    except Refused:
        data = None  # a role that takes none, or intake away: the panel says so
    wait = await _wait(web, session)
    return web.render(request, "_queue_callbacks.html", session, data=data, wait=wait)


@router.post("/callbacks/{callback_id}/take")
async def take(request: Request, web: WebDep, callback_id: str) -> Response:
    session = web.session(request)
    try:
        cb = await web.backend.post(session, "intake", f"/api/callbacks/{callback_id}/take")
    except Refused as exc:
        return web.render(request, "callback.html", session, status=exc.status, cb=None, number=None,
                          lost="already_taken" in exc.codes(), errors=web.errors_text(session, exc))
    web.sessions.keep_callback_number(session, cb["call_id"], {"phone": cb["number"], "callback": callback_id})
    return redirect(request, f"/callbacks/{callback_id}?call={cb['call_id']}")


@router.get("/callbacks/{callback_id}")
async def screen(request: Request, web: WebDep, callback_id: str, call: str = "") -> Response:
    session = web.session(request)
    kept = session.callback_numbers.get(call, {})
    number = kept.get("phone") if kept.get("callback") == callback_id else None
    cb = await _one(web, session, callback_id)
    return web.render(request, "callback.html", session, cb=cb, number=number, call_id=call, lost=False,
                      errors={})


@router.post("/callbacks/{callback_id}/outcome")
async def outcome(request: Request, web: WebDep, callback_id: str, outcome: str = Form(...),
                  call: str = Form("")) -> Response:
    session = web.session(request)
    if outcome == "release":
        return await _release(web, request, session, callback_id)
    try:
        done = await web.backend.post(session, "intake", f"/api/callbacks/{callback_id}/outcome",
                                      json={"outcome": outcome if outcome in OUTCOMES else ""})
    except Refused as exc:
        cb = await _one(web, session, callback_id)
        return web.render(request, "callback.html", session, status=exc.status, cb=cb, number=None,
                          call_id=call, lost=False, errors=web.errors_text(session, exc))
    if done["status"] == "reached":  # the usual call with its form filled; a form's call-back: its case
        return redirect(request, f"/cases/{done['case_id']}" if done.get("case_id") else f"/calls/{done['call_id']}")
    if done["status"] != "waiting":  # ended: the number is of no more use here
        web.sessions.forget_callback_number(session, done["call_id"])
    return redirect(request, "/queue")


async def _release(web: Web, request: Request, session: Session, callback_id: str) -> Response:
    try:
        await web.backend.post(session, "intake", f"/api/callbacks/{callback_id}/release")
    except Refused:
        pass  # already back, or ended: the list shows which
    return redirect(request, "/queue")


async def _one(web: Web, session: Session, callback_id: str) -> dict[str, Any] | None:
    """The call-back as the list shows it (None once it has left the list)."""
    try:
        data = await web.backend.get(session, "intake", "/api/callbacks")
    except Refused:
        return None
    return next((c for c in data["callbacks"] if c["callback_id"] == callback_id), None)


async def _wait(web: Web, session: Session) -> dict[str, Any] | None:
    try:
        wait: dict[str, Any] = await web.backend.get(session, "intake", "/api/telephony/estimated-wait")
    except Refused:
        return None
    return wait
