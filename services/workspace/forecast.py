"""The referral forecast on a screen: the next 8 weeks' expected referrals by channel against the staffing plan, the
days that miss the 3-day promise marked with the hours short, and the form where the contact centre's head enters
the plan (counts only: the KPI service's forecast and plan, no child in it)."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace.backend import Refused
from services.workspace.i18n import translator
from services.workspace.sessions import Session
from services.workspace.web import NotForRole, Web, WebDep, redirect

router = APIRouter()
VIEW_ROLES = ("kc_head", "coordinator", "unit_head", "kpi_analyst", "ops")  # the KPI figures' roles
EDIT_ROLE = "kc_head"  # the KPI service saves a plan from the contact centre's head only
DAYS = 7
MAX_HOURS = 500.0
MAX_MINUTES = {"advice_minutes": 240.0, "interview_minutes": 480.0}  # the KPI service's form's bounds


def number(value: float, lang: str) -> str:
    """One decimal at most, with the reader's decimal sign (a comma in Swedish)."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "sv" else text


def _parse(raw: str) -> float | None:
    try:
        return float(raw.strip().replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def read_plan(hours: list[str], minutes: dict[str, str], lang: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The plan as the KPI service takes it, or the fields' errors in the reader's language."""
    t = translator(lang)
    errors: dict[str, str] = {}
    parsed = [_parse(h) for h in hours]
    for i, h in enumerate(parsed):
        if h is None or not 0 <= h <= MAX_HOURS:
            errors[f"hours_{i}"] = t("plan_bad_hours")
    mins = {k: _parse(v) for k, v in minutes.items()}
    for k, m in mins.items():
        if m is None or not 0 < m <= MAX_MINUTES[k]:
            errors[k] = t("plan_bad_minutes", max=int(MAX_MINUTES[k]))
    if errors:
        return None, errors
    return {"hours": parsed, **mins}, {}


def field_of(kpi_field: str) -> str:
    """The KPI service names a weekday's hours `hours.2`; the form's input is `hours_2`."""
    if m := re.fullmatch(r"(?:body\.)?hours\.(\d)", kpi_field):
        return f"hours_{m.group(1)}"
    return kpi_field.removeprefix("body.") if kpi_field.removeprefix("body.") in MAX_MINUTES else "form"


def rows_of(body: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each day's line in words: the weekday, the channels' expected counts, the band, the hours and the promise."""
    t = translator(lang)
    channels = body["columns"][body["columns"].index("weekday") + 1:body["columns"].index("total")]
    out = []
    for r in body["rows"]:
        day = date.fromisoformat(r["day"])
        out.append({
            "day": r["day"], "label": f"{t(f'day_long_{day.weekday()}')} {day.day}/{day.month}",
            "channels": [number(r[c], lang) for c in channels],
            "total": number(r["total"], lang), "low": number(r["total_low"], lang),
            "high": number(r["total_high"], lang), "needed": number(r["hours_needed"], lang),
            "planned": number(r["hours_planned"], lang), "misses": r["misses_promise"],
            "short": t("forecast_short", hours=number(r["hours_short"], lang)) if r["hours_short"] > 0 else "",
            "late": t("forecast_late", n=number(r["late_on_arrival"], lang)) if r["late_on_arrival"] >= 0.5 else ""})
    return out


def _viewer(web: Web, request: Request) -> Session:
    session = web.session(request, personal=False)
    if session.staff.role not in VIEW_ROLES:
        raise NotForRole()
    return session


async def _page(web: Web, request: Request, session: Session, status: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None) -> Response:
    try:
        body: dict[str, Any] | None = await web.backend.get(session, "kpi", "/api/kpi/forecast/referrals",
                                                            params={"weeks": 8})
    except Refused:
        body = None
    plan = body["plan"] if body else None
    if values is None and plan is not None:
        values = {f"hours_{i}": number(h, session.lang) for i, h in enumerate(plan["hours"])}
        values |= {k: number(plan[k], session.lang) for k in MAX_MINUTES}
    channels = body["columns"][body["columns"].index("weekday") + 1:body["columns"].index("total")] if body else []
    return web.render(request, "forecast.html", session, status=status, body=body, channels=channels,
                      rows=rows_of(body, session.lang) if body else [], plan=plan, values=values or {},
                      errors=errors or {}, can_edit=session.staff.role == EDIT_ROLE,
                      saved=request.query_params.get("saved") == "1")


@router.get("/forecast")
async def forecast_page(request: Request, web: WebDep) -> Response:
    return await _page(web, request, _viewer(web, request))


@router.post("/forecast/plan")
async def save_plan(request: Request, web: WebDep, hours_0: str = Form(""), hours_1: str = Form(""),
                    hours_2: str = Form(""), hours_3: str = Form(""), hours_4: str = Form(""),
                    hours_5: str = Form(""), hours_6: str = Form(""), advice_minutes: str = Form(""),
                    interview_minutes: str = Form("")) -> Response:
    session = _viewer(web, request)
    hours = [hours_0, hours_1, hours_2, hours_3, hours_4, hours_5, hours_6]
    values = {f"hours_{i}": h for i, h in enumerate(hours)} | {
        "advice_minutes": advice_minutes, "interview_minutes": interview_minutes}
    if session.staff.role != EDIT_ROLE:
        return await _page(web, request, session, 403, {"form": translator(session.lang)("plan_only_head")}, values)
    plan, errors = read_plan(hours, {"advice_minutes": advice_minutes, "interview_minutes": interview_minutes},
                             session.lang)
    if plan is None:
        return await _page(web, request, session, 422, errors, values)
    try:
        await web.backend.json(session, "kpi", "PUT", "/api/kpi/staffing-plan", json=plan)
    except Refused as exc:
        errors = {field_of(f): m for f, m in web.errors_text(session, exc).items()}
        return await _page(web, request, session, 422 if exc.status < 500 else exc.status, errors, values)
    return redirect(request, "/forecast?saved=1")
