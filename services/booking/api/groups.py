"""Parent groups: a unit starts a course, the contact centre seats families, the unit records drop-outs and
the parents' evaluation."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.booking import group_store, store
from services.booking.api.access import BOOKERS, SCHEDULERS
from services.booking.deps import BookingDeps, Runtime
from services.booking.domain.schedule import known_unit
from services.booking.forms import EvaluationIn, GroupIn, SeatIn
from services.booking.use_cases import parent_groups
from services.chassis.auth import OWN_UNIT, Staff, county_wide, require, require_unit
from services.chassis.validation import Ident

router = APIRouter(prefix="/api", tags=["booking"])


@router.post("/groups", status_code=201, summary="Start a parent-group course.", openapi_extra=OWN_UNIT)
def create_group(body: GroupIn, rt: Runtime, deps: BookingDeps, staff: Staff = require(*SCHEDULERS)) -> dict[str, str]:
    known_unit(deps.ref, body.unit_id)
    require_unit(staff, body.unit_id)
    with rt.db.uow() as uow:
        group_id = parent_groups.start_group(uow, deps.ref, body)
        uow.commit()
    return {"group_id": group_id}


@router.get("/groups", summary="Parent groups with free seats.",
            openapi_extra=county_wide("the county's course catalogue with free seats; no child in it"))
def groups(rt: Runtime, course_kind: Ident | None = None,
                staff: Staff = require(*BOOKERS, "scheduler")) -> list[dict[str, Any]]:
    with rt.db.uow() as uow:
        rows = group_store.open_groups(uow.session, rt.clock.now().date())
    return [{**g.model_dump(), "free_seats": g.seats - g.booked} for g in rows
            if course_kind is None or g.course_kind == course_kind]


@router.post("/groups/{group_id}/seats", status_code=201, summary="Book parents (and their child) into a group.")
def seat(group_id: Ident, body: SeatIn, rt: Runtime, deps: BookingDeps,
         staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
    with rt.db.uow() as uow:
        case = parent_groups.book_seat(uow, deps.ref, group_id, body, rt.clock.now())
        rt.audit.within(uow.session, staff, "book-seat", case_id=case.case_id, patient_ref=case.patient_ref)
        uow.commit()
    return {"group_id": group_id, "case_id": body.case_id}


@router.post("/groups/{group_id}/seats/{case_id}/drop-out", summary="The family left the group.",
             openapi_extra=OWN_UNIT)
def drop_out(group_id: Ident, case_id: Ident, rt: Runtime,
             staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> dict[str, str]:
    with rt.db.uow() as uow:
        require_unit(staff, parent_groups.known_group(uow, group_id).unit_id)
        parent_groups.drop_out(uow, group_id, case_id, rt.clock.now())
        rt.audit.within(uow.session, staff, "drop-out", case_id=case_id,
                        patient_ref=store.patient_ref(uow.session, case_id))
        uow.commit()
    return {"group_id": group_id, "case_id": case_id, "status": "dropped_out"}


@router.post("/groups/{group_id}/seats/{case_id}/evaluation", status_code=201,
             summary="The parents' answers on the four evaluation scales (once per family).", openapi_extra=OWN_UNIT)
def evaluation(group_id: Ident, case_id: Ident, body: EvaluationIn, rt: Runtime,
               staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
    with rt.db.uow() as uow:
        require_unit(staff, parent_groups.known_group(uow, group_id).unit_id)
        parent_groups.evaluate(uow, group_id, case_id, body, rt.clock.now())
        rt.audit.within(uow.session, staff, "record-evaluation", case_id=case_id,
                        patient_ref=store.patient_ref(uow.session, case_id))
        uow.commit()
    return {"group_id": group_id, "case_id": case_id, "status": "evaluated"}
