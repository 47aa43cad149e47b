"""Units' screens: the scheduler's week of times, calendar import, the waiting list and its alerts; the weekly
KC–BUP meeting's free new-visit times."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from services.chassis.clock import STOCKHOLM
from services.workspace import runway
from services.workspace.backend import Refused
from services.workspace.web import Web, redirect

MAX_CALENDAR_BYTES = 2 * 1024 * 1024


def build_units(web: Web) -> APIRouter:
    router = APIRouter()

    async def unit_ctx(request: Request, unit_id: str | None, week: str | None) -> dict[str, Any]:
        session = web.session(request)
        unit_id = session.staff.unit if session.staff.role in ("scheduler", "unit_head") else unit_id
        units = await web.backend.get(session, "booking", "/api/units")
        unit_id = unit_id or (units[0]["unit_id"] if units else None)
        start = date.fromisoformat(week) if week else datetime.now(STOCKHOLM).date()
        start -= timedelta(days=start.weekday())
        slots = await web.backend.get(session, "booking", f"/api/units/{unit_id}/slots",
                                      params={"from_date": start.isoformat(), "days": 7})
        days = [(start + timedelta(days=i), [s for s in slots if _local_day(s["starts_at"]) == start + timedelta(days=i)])
                for i in range(7)]
        waiting = await web.backend.get(session, "booking", "/api/waiting-list", params={"unit_id": unit_id})
        unit = next((u for u in units if u["unit_id"] == unit_id), {"unit_id": unit_id, "name": unit_id})
        try:
            runways: list[dict[str, Any]] | None = [
                await web.backend.get(session, "booking", f"/api/units/{unit_id}/runway")]
        except Refused:
            runways = None
        return {**runway.context(runways, session.lang), "session": session, "units": units, "unit": unit, "days": days, "week": start,
                "prev": start - timedelta(days=7), "next": start + timedelta(days=7), "waiting": waiting,
                "can_choose": session.staff.role not in ("scheduler", "unit_head")}

    @router.get("/unit")
    async def unit_page(request: Request, unit_id: str | None = None, week: str | None = None,
                        imported: int | None = None, refused: str | None = None) -> Response:
        try:
            ctx = await unit_ctx(request, unit_id, week)
        except Refused as exc:
            session = web.session(request)
            return web.render(request, "refused.html", session, status=exc.status)
        session = ctx.pop("session")
        # an import's outcome, after its redirect: the refusal's lines wait once in the session's flash
        errors = web.flash.pop(session.sid, []) if refused else []
        return web.render(request, "unit.html", session, errors=errors, imported=imported, **ctx)

    @router.get("/unit/waiting")
    async def waiting_panel(request: Request, unit_id: str) -> Response:
        session = web.session(request)
        waiting = await web.backend.get(session, "booking", "/api/waiting-list", params={"unit_id": unit_id})
        return web.render(request, "_waiting.html", session, waiting=waiting)

    @router.post("/unit/{unit_id}/import")
    async def import_calendar(request: Request, unit_id: str, calendar: UploadFile | None = File(None)) -> Response:
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
    async def meeting(request: Request, weeks: int = 4) -> Response:
        session = web.session(request)
        try:
            data = await web.backend.get(session, "booking", "/api/meeting/free-new-visits",
                                         params={"weeks": max(1, min(weeks, 12))})
        except Refused as exc:
            return web.render(request, "refused.html", session, status=exc.status)
        week_keys = sorted({k for u in data["units"] for k in u["free_by_week"]})
        return web.render(request, "meeting.html", session, data=data, week_keys=week_keys)

    return router


def _local_day(iso: str) -> date:
    dt = datetime.fromisoformat(iso)
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(STOCKHOLM).date()
