"""Units' runway of first-visit times: the unit's week and the coordinators' board ask how long the times last."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.booking.api.access import SCHEDULERS
from services.booking.deps import BookingDeps, Runtime
from services.booking.domain.demand import promise_level
from services.booking.domain.reference import Unit
from services.booking.domain.runway import Demand, Runway
from services.booking.domain.schedule import known_unit
from services.booking.use_cases import runway
from services.chassis.auth import OWN_UNIT, Staff, county_wide, require, require_unit

router = APIRouter(prefix="/api", tags=["booking"])
BOARD = ("kc_head", "coordinator")


def runway_view(unit: Unit, r: Runway, need: Demand) -> dict[str, Any]:
    return {"unit_id": unit.unit_id, "name": unit.name, "level": promise_level(unit),
            "promise_days": r.promise_days, "computed_on": r.today, "last_day": r.last_day, "low": r.low,
            "high": r.high, "working_days": r.working_days, "short": r.short, "reason": r.reason,
            "gap": {"from": r.gap.first, "to": r.gap.last} if r.gap else None,
            "demand_per_day": round(need.mean, 2), "demand_sd": round(need.sd, 2), "demand_source": need.source}


@router.get("/units/{unit_id}/runway", openapi_extra=OWN_UNIT,
            summary="How long the unit's first-visit times last: the last day a family decided that day still gets "
                    "a time within the promise, with the band of the demand's spread (the unit's week).")
def unit_runway(unit_id: str, rt: Runtime, deps: BookingDeps,
                staff: Staff = require(*SCHEDULERS, *BOARD)) -> dict[str, Any]:
    unit = known_unit(deps.ref, unit_id)
    require_unit(staff, unit_id)
    with rt.db.uow() as uow:
        [(u, r, need)] = runway.forecast(uow, deps.ref, deps.runway, rt.clock.now(), [unit])
    return runway_view(u, r, need)


@router.get("/runway", summary="Every unit's runway of first-visit times, shortest first (the coordinators' board).",
            openapi_extra=county_wide("counts of free times and expected demand per unit; no child in it"))
def all_runways(rt: Runtime, deps: BookingDeps, staff: Staff = require(*BOARD)) -> dict[str, Any]:
    with rt.db.uow() as uow:
        rows = runway.forecast(uow, deps.ref, deps.runway, rt.clock.now())
    rows.sort(key=lambda row: (row[1].last_day is not None, row[1].last_day or row[1].today))
    return {"policy_version": deps.runway.version, "units": [runway_view(u, r, n) for u, r, n in rows]}


@router.post("/runway/forecast", summary="Run the nightly runway forecast now: every unit, a SlotRunwayShort for each "
                                        "unit whose shortage begins (once per episode); the units told.",
             openapi_extra=county_wide("unit ids only; no child in it"))
def forecast_now(rt: Runtime, deps: BookingDeps, staff: Staff = require("ops", "kc_head")) -> dict[str, Any]:
    with rt.db.uow() as uow:
        told = runway.nightly(uow, deps.ref, deps.runway, rt.clock.now())
        uow.commit()
    return {"told": told}
