"""Lists for units and the contact centre: the waiting list, free new-visit times and summer planning for the weekly
meeting."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from services.booking import store
from services.booking.api.access import BOOKERS, SCHEDULERS
from services.booking.deps import BookingDeps, Runtime
from services.booking.domain.schedule import free_by_week
from services.booking.domain.waiting import listed_for
from services.booking.use_cases import runway
from services.chassis.auth import OWN_UNIT, Staff, acts_for, county_wide, require, require_unit
from services.chassis.refusal import Refusal, Refused
from services.chassis.validation import Ident

router = APIRouter(prefix="/api", tags=["booking"])


@router.get("/waiting-list", openapi_extra=OWN_UNIT,
            summary="Cases waiting for a time, in clock order (audited, a row per child). A scheduler or unit head "
                    "sees their own unit's list (`unit_id` defaults to it).")
def waiting(rt: Runtime, unit_id: Ident | None = None,
            staff: Staff = require(*BOOKERS, *SCHEDULERS, "kc_head")) -> list[dict[str, Any]]:
    if unit_id is None and not acts_for(staff, None):
        unit_id = staff.unit
    require_unit(staff, unit_id)
    with rt.db.uow() as uow:
        rows = [r for r in store.waiting_in_clock_order(uow.session) if listed_for(r.unit_ids, unit_id)]
        refs = store.patient_refs(uow.session, [r.case_id for r in rows])
    rt.audit.children(staff, "read-waiting-list", [(r.case_id, refs.get(r.case_id)) for r in rows], detail=unit_id)
    return [{"position": i + 1, "case_id": r.case_id, "level": r.level, "municipality": r.municipality,
             "clock_start": r.clock_start, "since": r.since} for i, r in enumerate(rows)]


@router.get("/meeting/free-new-visits", summary="Weekly KC–BUP meeting: free new-visit times per unit and week.",
            openapi_extra=county_wide("counts of free times per unit for the county meeting; no child in it"))
def free_new_visits(rt: Runtime, deps: BookingDeps,
                    weeks: int = Query(4, ge=1, le=12, description="Weeks ahead, from this week."),
                    staff: Staff = require("kc_head", "clinician", *SCHEDULERS)) -> dict[str, Any]:
    now = rt.clock.now()
    until = now + timedelta(weeks=max(1, min(weeks, 12)))
    with rt.db.uow() as uow:
        slots = store.free_new_visits(uow.session, now, [u.unit_id for u in deps.ref.units])
    table = free_by_week((s.unit_id, s.starts_at) for s in slots if s.starts_at < until)
    return {"from": now, "weeks": weeks, "units": [{"unit_id": u.unit_id, "name": u.name, "level": u.level,
                                                    "free_by_week": table.get(u.unit_id, {})} for u in deps.ref.units]}


SUMMER_COLUMNS = ["unit_id", "name", "level", "working_days", "expected", "basis", "times", "gap"]


@router.get("/meeting/summer", summary="Summer planning with BUP: per unit, the first visits expected in the period "
                                       "against the free new-visit times, and the times to add (JSON or CSV).",
            openapi_extra=county_wide("counts of expected visits and free times per unit; no child in it"))
def summer_planning(rt: Runtime, deps: BookingDeps,
                    start: date = Query(alias="from", description="First day of the period, YYYY-MM-DD."),
                    end: date = Query(alias="to", description="Last day of the period, YYYY-MM-DD."),
                    format: Literal["json", "csv"] = "json",
                    staff: Staff = require("kc_head", "clinician", *SCHEDULERS)) -> Any:
    if end < start or (end - start).days > 184:
        raise Refused(Refusal("to", "range", "Perioden ska sluta efter att den börjar och vara högst ett halvår.",
                              "The period must end after it starts and be at most half a year."))
    with rt.db.uow() as uow:
        rows = [asdict(r) for r in runway.summer(uow, deps.ref, deps.runway, rt.clock.now(), start, end)]
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, SUMMER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return PlainTextResponse(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="summer_{start}_{end}.csv"'})
    return {"from": start, "to": end, "columns": SUMMER_COLUMNS, "units": rows,
            "gap_total": sum(r["gap"] for r in rows)}
