"""Booking during the call: offers nearest first, a held time with its countdown, the confirmation, and the
family's message status as it changes. Waits for booking to hear of the decision instead of showing an error."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace.backend import Refused, errors_of
from services.workspace.family_language import language_choices
from services.workspace.sessions import Session
from services.workspace.web import Web, WebDep

BOOKABLE = ("primary_care", "bup", "urgent")


router = APIRouter()


async def booked(web: Web, session: Session, case_id: str) -> list[dict[str, Any]]:
    rows = await web.backend.get(session, "booking", f"/api/cases/{case_id}/appointments")
    await web.units.load(session)
    return [{**a, "unit_name": web.units(a["unit_id"])} for a in rows if a.get("status") == "booked"]


@router.get("/cases/{case_id}/booking")
async def booking_panel(request: Request, web: WebDep, case_id: str, waited: int = 0) -> Response:
    session = web.session(request)
    try:
        appointments = await booked(web, session, case_id)
        if appointments:
            return web.render(request, "_booked.html", session, case_id=case_id, appt=appointments[-1])
        tc = await web.backend.get(session, "triage", f"/api/cases/{case_id}")
    except Refused as exc:
        if exc.status == 404:
            return web.render(request, "_booking_note.html", session, note="book_after_decision")
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    decision = tc.get("decision")
    if decision is None:
        return web.render(request, "_booking_note.html", session, note="book_after_decision")
    if decision["level"] == "parenting_group":
        groups = await web.backend.get(session, "booking", "/api/groups")
        return web.render(request, "_groups.html", session, case_id=case_id, groups=groups, errors={})
    if decision["level"] not in BOOKABLE:
        return web.render(request, "_booking_note.html", session, note="not_booked_here")
    r = await web.backend.request(session, "booking", "GET", f"/api/cases/{case_id}/offers", params={"limit": 5})
    if (r.status_code == 409 and "no_decision" in r.text) or r.status_code == 404:
        # triage has decided; booking hears of it through the event in a moment: wait, never an error
        return web.render(request, "_offers_wait.html", session, case_id=case_id, waited=waited + 1)
    if r.status_code >= 400:
        return web.render(request, "_refused.html", session,
                          errors=web.errors_text(session, Refused(r.status_code, errors_of(r))))
    return await offers_view(request, web, session, case_id, r.json())


async def offers_view(request: Request, web: Web, session: Session, case_id: str, offers: dict[str, Any],
                      why: str | None = None) -> Response:
    """The offers, with the family's interpreter need named and, after a refused booking, why."""
    name = None
    if offers.get("interpreter"):
        code = offers["interpreter"]["language"]
        name = next((x["name"] for x in await language_choices(web, session) if x["code"] == code), code)
    return web.render(request, "_offers.html", session, case_id=case_id, offers=offers, why=why,
                      language_name=name)


@router.post("/cases/{case_id}/hold")
async def hold(request: Request, web: WebDep, case_id: str, slot_id: str = Form(...), unit_name: str = Form(""),
               starts_at: str = Form(""), wait_days: str = Form(""), digital: str = Form("")) -> Response:
    session = web.session(request)
    try:
        held = await web.backend.post(session, "booking", "/api/holds", json={"case_id": case_id, "slot_id": slot_id})
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    # what the offer said, carried from the offer list (the held time is no longer offered to anyone)
    offer = {"unit_name": unit_name, "starts_at": starts_at or None, "digital": bool(digital),
             "wait_days": int(wait_days) if wait_days.isdigit() else wait_days}
    return web.render(request, "_hold.html", session, case_id=case_id, held=held, offer=offer, slot_id=slot_id)


@router.post("/cases/{case_id}/confirm")
async def confirm(request: Request, web: WebDep, case_id: str, hold_token: str = Form(...), slot_id: str = Form(...),
                  patient_chosen_wait: str = Form("")) -> Response:
    session = web.session(request)
    try:
        await web.backend.post(session, "booking", f"/api/holds/{hold_token}/confirm",
                               json={"slot_id": slot_id, "patient_chosen_wait": bool(patient_chosen_wait)})
        appointments = await booked(web, session, case_id)
    except Refused as exc:
        if exc.codes() & {"interpreter_unavailable", "interpreting_unreachable"}:
            # the time was not booked for want of an interpreter: the offers again, with why
            offers = await web.backend.get(session, "booking", f"/api/cases/{case_id}/offers", params={"limit": 5})
            why = next(iter(web.errors_text(session, exc).values()), None)
            return await offers_view(request, web, session, case_id, offers, why)
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_booked.html", session, case_id=case_id, appt=appointments[-1], just=True)


@router.post("/cases/{case_id}/seat")
async def seat(request: Request, web: WebDep, case_id: str, group_id: str = Form(...),
               parents: int = Form(1)) -> Response:
    session = web.session(request)
    try:
        await web.backend.post(session, "booking", f"/api/groups/{group_id}/seats",
                               json={"case_id": case_id, "parents": parents, "booked_from": "contact_centre"})
    except Refused as exc:
        groups = await web.backend.get(session, "booking", "/api/groups")
        return web.render(request, "_groups.html", session, case_id=case_id, groups=groups,
                          errors=web.errors_text(session, exc))
    return web.render(request, "_booking_note.html", session, note="seat_booked", case_id=case_id, family=True)


@router.get("/cases/{case_id}/family")
async def family_status(request: Request, web: WebDep, case_id: str) -> Response:
    """The family's messages about the case and how each went, as the notifications service knows it."""
    session = web.session(request)
    try:
        history = await web.backend.get(session, "notifications", f"/api/cases/{case_id}/notifications")
    except Refused as exc:
        if exc.status in (401, 403):  # another unit's case: a refusal, not an empty list
            raise
        history = []
    family = [h for h in history if h["recipient_kind"] == "family"]
    # notifications picks the channel as it sends; a message still due goes the way the earlier ones went
    chosen = next((h["channel"] for h in reversed(family) if h.get("channel")), None)
    family = [{**h, "channel": h.get("channel") or chosen} for h in family]
    return web.render(request, "_family.html", session, case_id=case_id, family=family)
