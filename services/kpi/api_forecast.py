"""HTTP API of the referral forecast: the next weeks' expected referrals by channel against the staffing plan the
contact centre's head saves (JSON/CSV, the roles of the other figures; only the head saves a plan)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Query as Q
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from services.chassis.auth import Staff, county_wide, require
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.kpi import demand_publish
from services.kpi.api import COUNTS, FIGURE_ROLES, deps_of
from services.kpi.deps import Deps
from services.kpi.domain.days import local_date
from services.kpi.domain.forecast_table import COLUMNS, forecast_csv, forecast_days, history_window, row_of
from services.kpi.domain.intake_history import intake_history
from services.kpi.domain.staffing import StaffingPlan
from services.kpi.forms import StaffingPlanForm, check_format
from services.kpi.store import queries

Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
ServiceDeps = Annotated[Deps, Depends(deps_of)]
router = APIRouter(prefix="/api/kpi", tags=["kpi"])
NO_PLAN = StaffingPlan((0.0,) * 7)


def _plan(s: Session) -> tuple[StaffingPlan, dict[str, Any]]:
    row = queries.staffing_plan(s)
    if row is None:
        return NO_PLAN, {"stored": False, "hours": list(NO_PLAN.hours), "advice_minutes": NO_PLAN.advice_minutes,
                         "interview_minutes": NO_PLAN.interview_minutes, "saved_at": None}
    plan = StaffingPlan(tuple(row.hours), row.advice_minutes, row.interview_minutes)
    return plan, {"stored": True, "hours": row.hours, "advice_minutes": row.advice_minutes,
                  "interview_minutes": row.interview_minutes, "saved_at": row.saved_at.isoformat()}


@router.get("/staffing-plan", openapi_extra=county_wide("the contact centre's hours per weekday; no child in it"), summary="The contact centre head's staffing plan: assessor-hours per weekday.")
def get_plan(rt: Runtime, staff: Staff = require(*FIGURE_ROLES)) -> dict[str, Any]:
    with Session(rt.db.engine) as s:
        return _plan(s)[1]


@router.put("/staffing-plan", summary="Save the staffing plan (the contact centre's head).")
def put_plan(form: StaffingPlanForm, rt: Runtime, deps: ServiceDeps,
             staff: Staff = require("kc_head")) -> dict[str, Any]:
    with rt.db.uow() as uow:
        queries.save_staffing_plan(uow.session, form.hours, form.advice_minutes, form.interview_minutes,
                                   deps.clock.now())
        uow.commit()
    with Session(rt.db.engine) as s:
        return _plan(s)[1]


@router.get("/forecast/referrals", openapi_extra=COUNTS, summary="Expected referrals per day and channel for the next weeks, the "
                                          "assessor-hours they need against the staffing plan, and the days that "
                                          "will miss the 3-day promise with the hours short (JSON or CSV).")
def referral_forecast(rt: Runtime, deps: ServiceDeps, weeks: int = Q(8, ge=1, le=26), format: str = "json",
                      staff: Staff = require(*FIGURE_ROLES)) -> Any:
    check_format(format)
    today = local_date(deps.clock.now())
    with Session(rt.db.engine) as s:
        first, last = history_window(today, queries.data_span(s)[0])
        history = intake_history(queries.cases_in(s, first, last), first, last)
        plan, shown = _plan(s)
    promise = deps.defs.measures["assessment_3d"].limit_days
    rows = [row_of(d) for d in forecast_days(history, today, weeks, plan, promise)]
    if format == "csv":
        return PlainTextResponse(forecast_csv(rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="referral_forecast.csv"'})
    return {"figure": "referral_forecast", "from": str(today), "weeks": weeks, "history_from": str(first),
            "history_to": str(last), "promise_days": promise, "share_interviewed": round(history.share_interviewed, 3),
            "paper_delay": history.delay.get("paper", {}), "plan": shown, "columns": COLUMNS, "rows": rows,
            "days_missing_promise": sum(r["misses_promise"] for r in rows)}


@router.get("/forecast/demand", openapi_extra=COUNTS,
            summary="The expected care-level decisions to bookable levels per municipality and day for the next eight "
                    "weeks, with the band (what DemandForecastPublished carries to booking's runway).")
def demand_forecast(rt: Runtime, deps: ServiceDeps, staff: Staff = require(*FIGURE_ROLES)) -> dict[str, Any]:
    with Session(rt.db.engine) as s:
        payload = demand_publish.forecast_payload(s, deps.clock.now())
    return {"figure": "demand_forecast", "published": False,
            "forecast": payload.model_dump(mode="json") if payload else None}


@router.post("/forecast/demand", openapi_extra=county_wide("counts per municipality and level; no child in it"),
             summary="Compute and publish the demand forecast now (DemandForecastPublished), as each night at 01:30.")
def publish_demand_forecast(rt: Runtime, deps: ServiceDeps,
                            staff: Staff = require("ops", "kc_head")) -> dict[str, Any]:
    with rt.db.uow() as uow:
        payload = demand_publish.publish(uow, deps.clock.now())
        uow.commit()
    return {"figure": "demand_forecast", "published": payload is not None,
            "forecast": payload.model_dump(mode="json") if payload else None}
