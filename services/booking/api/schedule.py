"""Units' schedulers: the units, a unit's times, opening one time or a whole calendar file."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from services.booking import store, week
from services.booking.api.access import BOOKERS, SCHEDULERS
from services.booking.deps import BookingDeps, Deps, Runtime
from services.booking.domain.calendar import BadLine, Row, parse_calendar
from services.booking.domain.reference import Unit
from services.booking.domain.schedule import known_unit, too_large
from services.booking.forms import SlotIn
from services.booking.settings import BookingSettings
from services.booking.store import Slot
from services.booking.use_cases import schedule
from services.chassis.auth import OWN_UNIT, Staff, county_wide, require, require_unit
from services.chassis.clock import STOCKHOLM
from services.chassis.limits import LIMIT_KEY
from services.chassis.refusal import Refused
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import Ident

router = APIRouter(prefix="/api", tags=["booking"])


def slot_view(s: Slot) -> dict[str, Any]:
    return {"slot_id": s.slot_id, "unit_id": s.unit_id, "starts_at": s.starts_at, "ends_at": s.ends_at,
            "profession": s.profession, "visit_type": s.visit_type, "digital": s.digital, "state": s.state}


@router.get("/units", summary="The units the contact centre books into.",
            openapi_extra=county_wide("the county's reference data; no child in it"))
def units(deps: BookingDeps,
          staff: Staff = require(*BOOKERS, *SCHEDULERS, "kc_head", "coordinator")) -> list[dict[str, Any]]:
    return [u.model_dump() for u in deps.ref.units]


@router.post("/units/{unit_id}/slots", status_code=201, summary="Open a bookable time (a waiting child may get it).",
             openapi_extra=OWN_UNIT)
def create_slot(unit_id: Ident, body: SlotIn, rt: Runtime, deps: BookingDeps,
                staff: Staff = require(*SCHEDULERS)) -> dict[str, Any]:
    unit = known_unit(deps.ref, unit_id)
    require_unit(staff, unit_id)
    with rt.db.uow() as uow:
        slot = schedule.add_slot(uow, deps.ref, unit, body, rt.clock.now())
        rt.audit.within(uow.session, staff, "add-slot", detail=f"{unit_id} {slot.slot_id}")
        uow.commit()
    return slot_view(slot)


@router.get("/units/{unit_id}/slots", summary="The unit's times in a period (a scheduler's week view).",
            openapi_extra=OWN_UNIT)
def list_slots(unit_id: Ident, rt: Runtime, deps: BookingDeps, from_date: date | None = None,
               days: int = Query(7, ge=1, le=31), staff: Staff = require(*SCHEDULERS, "kc_head")) -> list[dict[str, Any]]:
    known_unit(deps.ref, unit_id)
    require_unit(staff, unit_id)
    start_day = from_date or rt.clock.now().astimezone(STOCKHOLM).date()
    start = datetime.combine(start_day, time(0), tzinfo=STOCKHOLM)
    with rt.db.uow() as uow:
        rows = store.unit_slots(uow.session, unit_id, start, start + timedelta(days=days))
    return [slot_view(r) for r in rows]


@router.get("/units/{unit_id}/week", summary="A unit's week: per day the count of free, held and booked times, and "
            "the times of one day (the day asked for; else today or the first day with times).",
            openapi_extra=OWN_UNIT)
def unit_week(unit_id: Ident, rt: Runtime, deps: BookingDeps, from_date: date | None = None,
              day: date | None = None, staff: Staff = require(*SCHEDULERS, "kc_head")) -> dict[str, Any]:
    known_unit(deps.ref, unit_id)
    require_unit(staff, unit_id)
    today = rt.clock.now().astimezone(STOCKHOLM).date()
    start = from_date or today
    with rt.db.uow() as uow:
        answer = week.week(uow.session, unit_id, start - timedelta(days=start.weekday()), day, today)
    return {**answer, "slots": [slot_view(r) for r in answer["slots"]]}


def _import(rt: ServiceRuntime, deps: Deps, unit: Unit, rows: list[Row], bad: list[BadLine],
            staff: Staff) -> int:
    with rt.db.uow() as uow:
        created = schedule.import_slots(uow, deps.ref, unit, rows, bad, rt.clock.now())
        rt.audit.within(uow.session, staff, "import-slots", detail=f"{unit.unit_id} {created} times")
        uow.commit()
    return created


async def import_calendar(unit_id: Ident, rt: Runtime, deps: BookingDeps, calendar: UploadFile = File(...),
                          staff: Staff = require(*SCHEDULERS)) -> dict[str, int]:
    unit = known_unit(deps.ref, unit_id)
    require_unit(staff, unit_id)
    limit = deps.settings.import_max_bytes
    data = await calendar.read(limit + 1)
    if len(data) > limit:
        raise Refused(too_large(limit))
    rows, bad = parse_calendar(calendar.filename or "", data, deps.settings.import_max_rows)
    return {"created": await run_in_threadpool(_import, rt, deps, unit, rows, bad, staff)}


def calendar_router(settings: BookingSettings) -> APIRouter:
    """The import route, added once the settings are known: its body limit lets a whole calendar file (and its
    multipart wrapping) reach the import's own size check."""
    api = APIRouter(prefix="/api", tags=["booking"])
    api.add_api_route(
        "/units/{unit_id}/slots/import", import_calendar, methods=["POST"],
        openapi_extra={**OWN_UNIT, LIMIT_KEY: settings.import_max_bytes + 16 * 1024},
        summary="Import times from an iCalendar or CSV file: all or nothing, bounded in size and rows.",
        description="Every line is checked (format, profession, digital, past, overlaps with stored times and "
                    "with the file's other lines) before anything is stored; a refusal names each bad line. "
                    "Too large (`BOOKING_IMPORT_MAX_BYTES`) or too many rows (`BOOKING_IMPORT_MAX_ROWS`): 413.")
    return api
