"""Units' screens: the scheduler's week of times, calendar import, the waiting list and its alerts; the weekly
KC–BUP meeting's free new-visit times and summer planning."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from services.chassis.clock import STOCKHOLM
from services.workspace import runway, summer
from services.workspace.backend import Refused
from services.workspace.sessions import Session
from services.workspace.web import Web, WebDep, redirect

MAX_CALENDAR_BYTES = 2 * 1024 * 1024


router = APIRouter()


async def unit_ctx(web: Web, request: Request, unit_id: str | None, week: str | None,
                   day: str | None = None) -> dict[str, Any]:
    session = web.session(request)
    unit_id = session.staff.unit if session.staff.role in ("scheduler", "unit_head") else unit_id
    start = _monday(week)

    async def week_of(unit: str | None) -> tuple[Any, Any, Any]:
        return await asyncio.gather(  # the week, the waiting list and the runway at once: one round trip's wait
            _week(web, session, unit, start, day),
            web.backend.get(session, "booking", "/api/waiting-list", params={"unit_id": unit}),
            _runways(web, session, unit))
    if unit_id:  # the unit is known: the list of units is asked for alongside
        units, (shown, waiting, runways) = await asyncio.gather(web.backend.get(session, "booking", "/api/units"),
                                                                week_of(unit_id))
    else:  # the first unit of the list, then its week
        units = await web.backend.get(session, "booking", "/api/units")
        unit_id = units[0]["unit_id"] if units else None
        shown, waiting, runways = await week_of(unit_id)
    unit = next((u for u in units if u["unit_id"] == unit_id), {"unit_id": unit_id, "name": unit_id})
    return {**runway.context(runways, session.lang), "session": session, "units": units, "unit": unit,
            **_week_ctx(shown, start), "waiting": waiting, "can_choose": session.staff.role not in ("scheduler", "unit_head")}


async def _week(web: Web, session: Session, unit: str | None, start: date, day: str | None) -> Any:
    """Booking's counts per day of the week and the chosen day's times (a week of 500 times is not drawn whole)."""
    params = {"from_date": start.isoformat(), **({"day": day} if day and _is_date(day) else {})}
    return await web.backend.get(session, "booking", f"/api/units/{unit}/week", params=params)


async def _runways(web: Web, session: Session, unit: str | None) -> list[dict[str, Any]] | None:
    try:
        return [await web.backend.get(session, "booking", f"/api/units/{unit}/runway")]
    except Refused:
        return None


def _week_ctx(shown: dict[str, Any], start: date) -> dict[str, Any]:
    days = [{**d, "date": date.fromisoformat(d["date"])} for d in shown["days"]]
    return {"days": days, "day": date.fromisoformat(shown["day"]), "slots": shown["slots"], "week": start,
            "prev": start - timedelta(days=7), "next": start + timedelta(days=7)}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _monday(week: str | None) -> date:
    try:
        start = date.fromisoformat(week) if week else datetime.now(STOCKHOLM).date()
    except ValueError:  # a hand-edited address: this week
        start = datetime.now(STOCKHOLM).date()
    return start - timedelta(days=start.weekday())


@router.get("/unit")
async def unit_page(request: Request, web: WebDep, unit_id: str | None = None, week: str | None = None,
                    day: str | None = None, imported: int | None = None, refused: str | None = None) -> Response:
    try:
        ctx = await unit_ctx(web, request, unit_id, week, day)
    except Refused as exc:
        session = web.session(request)
        return web.render(request, "refused.html", session, status=exc.status)
    session = ctx.pop("session")
    # an import's outcome, after its redirect: the refusal's lines wait once in the session's flash
    errors = web.flash.pop(session.sid, []) if refused else []
    return web.render(request, "unit.html", session, errors=errors, imported=imported, **ctx)

@router.get("/unit/week")
async def week_panel(request: Request, web: WebDep, unit_id: str, week: str | None = None,
                     day: str | None = None) -> Response:
    """The week's panel with another day's times (htmx, on a click on the day)."""
    session = web.session(request)
    unit = session.staff.unit if session.staff.role in ("scheduler", "unit_head") else unit_id
    start = _monday(week)
    try:
        shown = await _week(web, session, unit, start, day)
    except Refused as exc:
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    return web.render(request, "_unit_week.html", session, unit={"unit_id": unit}, **_week_ctx(shown, start))

@router.get("/unit/waiting")
async def waiting_panel(request: Request, web: WebDep, unit_id: str) -> Response:
    session = web.session(request)
    waiting = await web.backend.get(session, "booking", "/api/waiting-list", params={"unit_id": unit_id})
    return web.render(request, "_waiting.html", session, waiting=waiting)

@router.post("/unit/{unit_id}/import")
async def import_calendar(request: Request, web: WebDep, unit_id: str, calendar: UploadFile | None = File(None)) -> Response:
    """Post, redirect, get: a reload after an import shows the outcome again and never sends the file twice."""
    session = web.session(request)
    back = f"/unit?{urlencode({'unit_id': unit_id})}"
    data = await calendar.read(MAX_CALENDAR_BYTES + 1) if calendar is not None else b""
    if calendar is None or not data:
        web.flash[session.sid] = ["Välj en kalenderfil." if session.lang == "sv" else "Choose a calendar file."]
        return redirect(request, back + "&refused=1")
    try:
        answer = await web.backend.post(session, "booking", f"/api/units/{unit_id}/slots/import",
                                        files={"calendar": (calendar.filename or "calendar", data)})
    except Refused as exc:
        web.flash[session.sid] = [(e.get("en") if session.lang == "en" else e.get("sv")) or "" for e in exc.errors]
        return redirect(request, back + "&refused=1")
    return redirect(request, back + f"&imported={int(answer['created'])}")

@router.get("/meeting")
async def meeting(request: Request, web: WebDep, weeks: int = 4, start: str | None = Query(None, alias="from"),
                  end: str | None = Query(None, alias="to")) -> Response:
    session = web.session(request)
    try:
        data = await web.backend.get(session, "booking", "/api/meeting/free-new-visits",
                                     params={"weeks": max(1, min(weeks, 12))})
    except Refused as exc:
        return web.render(request, "refused.html", session, status=exc.status)
    week_keys = sorted({k for u in data["units"] for k in u["free_by_week"]})
    first, last = summer.period(datetime.now(STOCKHOLM).date(), start, end)
    try:  # counts per unit, no child in it
        plan: dict[str, Any] | None = await web.backend.get(
            session, "booking", "/api/meeting/summer", params={"from": first.isoformat(), "to": last.isoformat()})
    except Refused:
        plan = None
    return web.render(request, "meeting.html", session, data=data, week_keys=week_keys, summer=plan,
                      summer_from=first, summer_to=last)

@router.get("/meeting/summer.csv")
async def summer_csv(request: Request, web: WebDep, start: str | None = Query(None, alias="from"),
                     end: str | None = Query(None, alias="to")) -> Response:
    session = web.session(request)
    first, last = summer.period(datetime.now(STOCKHOLM).date(), start, end)
    r = await web.backend.request(session, "booking", "GET", "/api/meeting/summer",
                                  params={"from": first.isoformat(), "to": last.isoformat(), "format": "csv"})
    if r.status_code >= 400:
        return web.render(request, "refused.html", session, status=r.status_code)
    return Response(r.content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="sommarplanering_{first}_{last}.csv"'})

