"""The booking screen during the call: offers, holds, booking, moving and cancelling, attendance."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query

from services.booking import store
from services.booking.api.access import BOOKERS, SCHEDULERS
from services.booking.deps import BookingDeps, Runtime
from services.booking.domain.interpreting import InterpretingAgency
from services.booking.domain.offers import wait_days
from services.booking.domain.reference import Reference
from services.booking.forms import CancelIn, ConfirmIn, HoldIn, RebookIn
from services.booking.store import Appointment
from services.booking.use_cases import appointments as booked
from services.booking.use_cases import changes, holds, interpreters, placement
from services.chassis.auth import OWN_UNIT, Staff, acts_for, require, require_unit
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import Ident

router = APIRouter(prefix="/api", tags=["booking"])


def hold_time(rt: ServiceRuntime, ref: Reference, staff: Staff, case_id: str, slot_id: str) -> dict[str, Any]:
    """A staff member holds a time for the child (audited with the hold); `bench.booking_contention` calls this."""
    now = rt.clock.now()
    with rt.db.uow() as uow:
        case, _slot = holds.case_and_slot(uow, case_id, slot_id)  # kept: `hold` finds the time read here
        token, expires = holds.hold(uow, ref, case, slot_id, now)
        rt.audit.within(uow.session, staff, "hold", case_id=case.case_id, patient_ref=case.patient_ref)
        uow.commit()
    return {"hold_token": token, "expires_at": expires}


def book_held(rt: ServiceRuntime, ref: Reference, staff: Staff, hold_token: str, chosen: bool,
              slot_id: str | None, agency: InterpretingAgency | None = None) -> dict[str, Any]:
    """A staff member books the held time (audited with the booking, published through the outbox), with an
    interpreter booked at the agency first when the family needs one."""
    now = rt.clock.now()
    interpreter = interpreters.book_for_hold(rt.db, agency, hold_token, now) if agency else None
    try:
        with rt.db.uow() as uow:
            appt, case = holds.confirm(uow, ref, hold_token, now, chosen, slot_id=slot_id, interpreter=interpreter)
            rt.audit.within(uow.session, staff, "book", case_id=appt.case_id, patient_ref=case.patient_ref)
            uow.commit()
    except Exception:
        if agency is not None:
            interpreters.call_off(agency, interpreter)  # no visit: the interpreter is not needed after all
        raise
    return {"appointment_id": appt.appointment_id, "unit_id": appt.unit_id, "starts_at": appt.starts_at,
            "wait_days": appt.wait_days, "interpreter": interpreter.model_dump() if interpreter else None}


@router.get("/cases/{case_id}/offers", summary="The earliest suitable times at the decided level, nearest first.")
def offers(case_id: Ident, rt: Runtime, deps: BookingDeps,
           limit: int = Query(5, ge=1, le=50, description="How many times to offer."),
           staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
    with rt.db.uow() as uow:
        found = placement.offers_for(uow, deps.ref, case_id, rt.clock.now(), limit=max(1, min(limit, 20)))
    rt.audit.record(staff, "read-offers", case_id=case_id, patient_ref=found.patient_ref)
    return {"case_id": case_id, "level": found.level, "promise_days": deps.ref.promise_days[found.level],
            "no_bookable_slots": not found.promised,
            "interpreter": {"language": found.interpreter_language} if found.interpreter_language else None,
            "offers": [{"slot_id": c.slot_id, "unit_id": c.unit.unit_id, "unit_name": c.unit.name,
                        "municipality": c.unit.municipality, "starts_at": c.starts_at,
                        "wait_days": wait_days(found.decided_at, c.starts_at),
                        "digital": c.digital, "profession": c.profession, "visit_type": c.visit_type}
                       for c in found.offers]}


@router.post("/holds", status_code=201, summary="Hold a time for a few minutes while the caller decides.")
def hold(body: HoldIn, rt: Runtime, deps: BookingDeps, staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
    return hold_time(rt, deps.ref, staff, body.case_id, body.slot_id)


@router.post("/holds/{hold_token}/confirm", status_code=201, summary="Book the held time.")
def confirm(hold_token: Ident, rt: Runtime, deps: BookingDeps, body: ConfirmIn | None = None,
            staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
    return book_held(rt, deps.ref, staff, hold_token, bool(body and body.patient_chosen_wait),
                     body.slot_id if body else None, deps.agency)


@router.post("/appointments/{appointment_id}/rebook", status_code=201,
             summary="Move a booked appointment to a held new time: one transaction, one fact, one message.")
def rebook(appointment_id: Ident, body: RebookIn, rt: Runtime, deps: BookingDeps,
           staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
    with rt.db.uow() as uow:
        appt, case = changes.rebook(uow, deps.ref, appointment_id, body, rt.clock.now())
        rt.audit.within(uow.session, staff, "rebook", case_id=appt.case_id, patient_ref=case.patient_ref,
                        detail=appointment_id)
        uow.commit()
    return {"appointment_id": appt.appointment_id, "rebooking_of": appointment_id, "unit_id": appt.unit_id,
            "starts_at": appt.starts_at, "wait_days": appt.wait_days}


def _change(rt: ServiceRuntime, staff: Staff, appointment_id: str, action: str,
            change: Callable[[UnitOfWork, Appointment], None]) -> dict[str, str]:
    """A change by the unit's own staff (checked on the appointment's unit), audited with the change."""
    with rt.db.uow() as uow:
        appt = changes.known_appointment(uow, appointment_id)
        require_unit(staff, appt.unit_id)
        change(uow, appt)
        rt.audit.within(uow.session, staff, action, case_id=appt.case_id,
                        patient_ref=store.patient_ref(uow.session, appt.case_id))
        uow.commit()
        return {"appointment_id": appointment_id, "status": appt.status}


@router.post("/appointments/{appointment_id}/cancel", summary="Cancel (by the family or the unit).",
             openapi_extra=OWN_UNIT)
def cancel(appointment_id: Ident, body: CancelIn, rt: Runtime, deps: BookingDeps,
           staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> dict[str, str]:
    now = rt.clock.now()
    done = _change(rt, staff, appointment_id, "cancel",
                   lambda uow, appt: changes.cancel_visit(uow, deps.ref, appt, body, now))
    with rt.db.uow() as uow:  # after the commit: the agency is told only of a cancellation that stands
        appt = changes.known_appointment(uow, appointment_id)
        interpreters.call_off(deps.agency, appt.interpreter)
    return done


@router.post("/appointments/{appointment_id}/attended", summary="The child came.", openapi_extra=OWN_UNIT)
def attended(appointment_id: Ident, rt: Runtime, staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
    now = rt.clock.now()
    return _change(rt, staff, appointment_id, "attended", lambda uow, appt: booked.mark(uow, appt, "attended", now))


@router.post("/appointments/{appointment_id}/no-show", summary="The child did not come.", openapi_extra=OWN_UNIT)
def no_show(appointment_id: Ident, rt: Runtime, staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
    now = rt.clock.now()
    return _change(rt, staff, appointment_id, "no-show", lambda uow, appt: booked.mark(uow, appt, "no-show", now))


@router.get("/cases/{case_id}/appointments", openapi_extra=OWN_UNIT,
            summary="The case's appointments (audited). A scheduler or unit head sees those at their own unit.")
def appointments(case_id: Ident, rt: Runtime,
                 staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> list[dict[str, Any]]:
    with rt.db.uow() as uow:
        rows = store.case_appointments(uow.session, case_id)
        patient_ref = store.patient_ref(uow.session, case_id)
    mine = [r for r in rows if acts_for(staff, r.unit_id)]
    if rows and not mine:
        require_unit(staff, rows[0].unit_id)
    rt.audit.record(staff, "read-appointments", case_id=case_id, patient_ref=patient_ref,
                    detail=f"{len(mine)} appointments")
    return [r.model_dump() for r in mine]
