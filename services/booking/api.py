"""HTTP API of the booking service: the booking screen during the call, and units' schedulers."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, select

from contracts.booking import EasierEveryday, Exchange, Recommend, Satisfaction
from services.booking import domain, service
from services.booking.calendar_import import bad_line, parse_calendar
from services.booking.reference import Profession, Reference
from services.booking.store import Appointment, BookingCase, ParentGroup, Slot, WaitingEntry
from services.chassis.auth import OWN_UNIT, Staff, acts_for, county_wide, require, require_unit
from services.chassis.clock import STOCKHOLM
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import PlausibleDatetime

BOOKERS = ("call_handler", "clinician")
SCHEDULERS = ("scheduler", "unit_head")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlotIn(_In):
    starts_at: PlausibleDatetime = Field(examples=["2026-12-01T09:00:00+01:00"])
    duration_min: int = Field(45, ge=10, le=240)
    profession: Profession = "psychologist"
    visit_type: Literal["new_visit", "treatment_start", "group_session", "investigation_start"] = "new_visit"
    digital: bool = False


class HoldIn(_In):
    case_id: str = Field(pattern=r"^C-[0-9A-Z]{12}$")
    slot_id: str = Field(max_length=20)


class ConfirmIn(_In):
    patient_chosen_wait: bool = Field(False, description="The family declined an earlier offered time.")
    slot_id: str | None = Field(None, max_length=60, description="The time the screen shows; refused if the token holds another.")


class RebookIn(_In):
    hold_token: str = Field(max_length=40, description="A hold on the new time (POST /api/holds) for the same case.")
    slot_id: str | None = Field(None, max_length=60, description="The time the screen shows; refused if the token holds another.")
    patient_chosen_wait: bool = Field(False, description="The family declined an earlier offered time.")


class CancelIn(_In):
    by: Literal["family", "unit"] = "family"
    reason: str | None = Field(None, max_length=60, pattern=r"^[a-z0-9_]+$")


class GroupIn(_In):
    course_kind: str = Field(max_length=40)
    unit_id: str = Field(max_length=60)
    starts_on: date
    seats: int = Field(12, ge=1, le=40)
    digital: bool = True


class EvaluationIn(_In):
    satisfaction: Satisfaction = Field(examples=["nojd"])
    recommend: Recommend = Field(examples=["sannolikt"])
    easier_everyday: EasierEveryday = Field(examples=["en_del_situationer"])
    exchange: Exchange = Field(examples=["bra_givande"])


class SeatIn(_In):
    case_id: str = Field(pattern=r"^C-[0-9A-Z]{12}$")
    parents: int = Field(1, ge=1, le=2)
    booked_from: Literal["contact_centre", "health_centre"] = "contact_centre"


def _ref(uow: Any, case_id: str) -> str | None:
    """The child's pseudonymous reference, for the audit row."""
    case = uow.session.get(BookingCase, case_id)
    return case.patient_ref if case else None


def _unit_or_refuse(ref: Reference, unit_id: str):  # type: ignore[no-untyped-def]
    unit = ref.unit(unit_id)
    if unit is None:
        raise service.refuse("unit_id", "unknown_unit", "Okänd enhet.", "Unknown unit.", 404)
    return unit


def build_api(rt: ServiceRuntime, ref: Reference) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["booking"])
    _schedule_routes(api, rt, ref)
    _booking_routes(api, rt, ref)
    _group_routes(api, rt, ref)
    _evaluation_route(api, rt)
    _views(api, rt, ref)
    return api


def slot_problems(unit: Any, body: SlotIn, now: datetime) -> list[tuple[str, str, str, str]]:
    """(field, code, sv, en) for each reason the unit cannot open this time."""
    errors = []
    if body.starts_at <= now:
        errors.append(("starts_at", "in_past", "Tiden har redan varit.", "The time is in the past."))
    if body.profession not in unit.professions:
        errors.append(("profession", "not_at_unit", "Enheten har inte den yrkesgruppen.", "The unit has no such profession."))
    if body.digital and not unit.digital_visits:
        errors.append(("digital", "no_digital", "Enheten erbjuder inte digitala besök.", "The unit offers no digital visits."))
    return errors


def clash(uow: Any, unit_id: str, body: SlotIn) -> Slot | None:
    ends = body.starts_at + timedelta(minutes=body.duration_min)
    return uow.session.exec(select(Slot).where(Slot.unit_id == unit_id, Slot.profession == body.profession,
                                               Slot.starts_at < ends, Slot.ends_at > body.starts_at)).first()


def store_slot(uow: Any, ref: Reference, unit_id: str, body: SlotIn, now: Any) -> Slot:
    """Insert the time in the caller's unit of work and give it to a waiting child it suits."""
    slot = Slot(slot_id=service._id("T-"), unit_id=unit_id, starts_at=body.starts_at,
                ends_at=body.starts_at + timedelta(minutes=body.duration_min),
                profession=body.profession, visit_type=body.visit_type, digital=body.digital)
    uow.session.add(slot)
    uow.session.flush()
    service.offer_to_waiting(uow, ref, slot, now)
    return slot


def add_slot(rt: ServiceRuntime, ref: Reference, unit_id: str, body: SlotIn, staff: Staff) -> Slot:
    unit = _unit_or_refuse(ref, unit_id)
    require_unit(staff, unit_id)
    now = rt.clock.now()
    errors = slot_problems(unit, body, now)
    if errors:
        raise service.DomainError([service.field_error(f, sv, en, c) for f, c, sv, en in errors])
    with rt.db.uow() as uow:
        if clash(uow, unit_id, body) is not None:
            raise service.refuse("starts_at", "overlap", "Tiden överlappar en annan tid för samma yrkesgrupp.",
                                 "The time overlaps another one for the same profession.", 409)
        slot = store_slot(uow, ref, unit_id, body, now)
        rt.audit.within(uow.session, staff, "add-slot", detail=f"{unit_id} {slot.slot_id}")
        uow.commit()
    return slot


def import_slots(rt: ServiceRuntime, ref: Reference, unit_id: str, rows: list[dict[str, Any]],
                 errors: list[dict[str, str]], staff: Staff) -> int:
    """Every row validated (format, rules, overlaps with stored times and with each other); then all stored
    in one transaction, or none, with every bad line named."""
    unit = _unit_or_refuse(ref, unit_id)
    now = rt.clock.now()
    slots: list[tuple[int, SlotIn]] = []
    for row in rows:
        line = row.pop("_line")
        try:
            body = SlotIn.model_validate(row)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(x) for x in e["loc"]) for e in exc.errors())
            errors.append(bad_line(line, f"ogiltigt värde i {fields}.", f"invalid {fields} ({exc.errors()[0]['msg']})."))
            continue
        errors += [bad_line(line, sv, en, code) for _, code, sv, en in slot_problems(unit, body, now)]
        for other_line, other in slots:
            if other.profession == body.profession and other.starts_at < body.starts_at + timedelta(
                    minutes=body.duration_min) and body.starts_at < other.starts_at + timedelta(minutes=other.duration_min):
                errors.append(bad_line(line, f"överlappar rad {other_line} för samma yrkesgrupp.",
                                       f"overlaps line {other_line} for the same profession.", "overlap"))
                break
        slots.append((line, body))
    with rt.db.uow() as uow:
        for line, body in slots:
            if clash(uow, unit_id, body) is not None:
                errors.append(bad_line(line, "överlappar en befintlig tid för samma yrkesgrupp.",
                                       "overlaps an existing time for the same profession.", "overlap"))
        if errors:
            errors.sort(key=lambda e: int(e["en"].split(":")[0].removeprefix("Line ")))
            raise service.DomainError(errors, status=409 if all(e["code"] == "overlap" for e in errors) else 422)
        for _, body in slots:
            store_slot(uow, ref, unit_id, body, now)
        rt.audit.within(uow.session, staff, "import-slots", detail=f"{unit_id} {len(slots)} times")
        uow.commit()
    return len(slots)


def hold_time(rt: ServiceRuntime, ref: Reference, staff: Staff, case_id: str, slot_id: str) -> dict[str, Any]:
    """A staff member holds a time for the child (audited with the hold); `bench.booking_contention` calls this."""
    now = rt.clock.now()
    with rt.db.uow() as uow:
        case, _slot = service.case_and_slot(uow, case_id, slot_id)  # kept: `hold` finds the time read here
        token, expires = service.hold(uow, ref, case, slot_id, now)
        rt.audit.within(uow.session, staff, "hold", case_id=case.case_id, patient_ref=case.patient_ref)
        uow.commit()
    return {"hold_token": token, "expires_at": expires}


def book_held(rt: ServiceRuntime, ref: Reference, staff: Staff, hold_token: str, chosen: bool,
              slot_id: str | None) -> dict[str, Any]:
    """A staff member books the held time (audited with the booking, published through the outbox)."""
    now = rt.clock.now()
    with rt.db.uow() as uow:
        appt, case = service.confirm(uow, ref, hold_token, now, chosen, slot_id=slot_id)
        rt.audit.within(uow.session, staff, "book", case_id=appt.case_id, patient_ref=case.patient_ref)
        uow.commit()
    return {"appointment_id": appt.appointment_id, "unit_id": appt.unit_id, "starts_at": appt.starts_at,
            "wait_days": appt.wait_days}


def _slot_view(s: Slot) -> dict[str, Any]:
    return {"slot_id": s.slot_id, "unit_id": s.unit_id, "starts_at": s.starts_at, "ends_at": s.ends_at,
            "profession": s.profession, "visit_type": s.visit_type, "digital": s.digital, "state": s.state}


def _schedule_routes(api: APIRouter, rt: ServiceRuntime, ref: Reference) -> None:
    @api.get("/units", summary="The units the contact centre books into.",
             openapi_extra=county_wide("the county's reference data; no child in it"))
    def units(staff: Staff = require(*BOOKERS, *SCHEDULERS, "kc_head", "coordinator")) -> list[dict[str, Any]]:
        return [u.model_dump() for u in ref.units]

    @api.post("/units/{unit_id}/slots", status_code=201, summary="Open a bookable time (a waiting child may get it).",
              openapi_extra=OWN_UNIT)
    def create_slot(unit_id: str, body: SlotIn, staff: Staff = require(*SCHEDULERS)) -> dict[str, Any]:
        return _slot_view(add_slot(rt, ref, unit_id, body, staff))

    @api.get("/units/{unit_id}/slots", summary="The unit's times in a period (a scheduler's week view).",
             openapi_extra=OWN_UNIT)
    def list_slots(unit_id: str, from_date: date | None = None, days: int = Query(7, ge=1, le=31),
                   staff: Staff = require(*SCHEDULERS, "kc_head")) -> list[dict[str, Any]]:
        _unit_or_refuse(ref, unit_id)
        require_unit(staff, unit_id)
        start_day = from_date or rt.clock.now().astimezone(STOCKHOLM).date()
        start = datetime.combine(start_day, time(0), tzinfo=STOCKHOLM)
        with Session(rt.db.engine) as s:
            rows = s.exec(select(Slot).where(Slot.unit_id == unit_id, Slot.starts_at >= start,
                                             Slot.starts_at < start + timedelta(days=days))
                          .order_by(Slot.starts_at)).all()  # type: ignore[arg-type]
        return [_slot_view(r) for r in rows]

    # the body limit lets a whole calendar file (and its multipart wrapping) reach the import's own size check
    @api.post("/units/{unit_id}/slots/import",
              openapi_extra={**OWN_UNIT, "x-max-body-bytes": rt.settings.import_max_bytes + 16 * 1024},  # type: ignore[attr-defined]
              summary="Import times from an iCalendar or CSV file: all or nothing, bounded in size and rows.",
              description="Every line is checked (format, profession, digital, past, overlaps with stored times and "
                          "with the file's other lines) before anything is stored; a refusal names each bad line. "
                          "Too large (`BOOKING_IMPORT_MAX_BYTES`) or too many rows (`BOOKING_IMPORT_MAX_ROWS`): 413.")
    async def import_calendar(unit_id: str, calendar: UploadFile = File(...),
                              staff: Staff = require(*SCHEDULERS)) -> dict[str, int]:
        _unit_or_refuse(ref, unit_id)
        require_unit(staff, unit_id)
        limit = rt.settings.import_max_bytes  # type: ignore[attr-defined]
        data = await calendar.read(limit + 1)
        if len(data) > limit:
            raise service.refuse("calendar", "too_large", f"Filen är större än {limit // 1024} kB; dela upp den.",
                                 f"The file is larger than {limit // 1024} kB; split it.", 413)
        rows, errors = parse_calendar(calendar.filename or "", data, rt.settings.import_max_rows)  # type: ignore[attr-defined]
        return {"created": await run_in_threadpool(import_slots, rt, ref, unit_id, rows, errors, staff)}


def _booking_routes(api: APIRouter, rt: ServiceRuntime, ref: Reference) -> None:
    @api.get("/cases/{case_id}/offers", summary="The earliest suitable times at the decided level, nearest first.")
    def offers(case_id: str, limit: int = Query(5, ge=1, le=50, description="How many times to offer."),
               staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
        now = rt.clock.now()
        with rt.db.uow() as uow:
            case = service.case_or_refuse(uow, case_id)
            if case.level not in domain.BOOKABLE:
                raise service.refuse("case_id", "not_bookable", "Vårdnivån bokas inte här.",
                                     "The care level is not booked here.", 409)
            cands = service.offers(uow, ref, case, now, limit=max(1, min(limit, 20)))
            within = service.within_promise(ref, case, cands)
            level, decided_at, patient_ref = case.level, case.decided_at, case.patient_ref
        rt.audit.record(staff, "read-offers", case_id=case_id, patient_ref=patient_ref)
        return {"case_id": case_id, "level": level, "promise_days": ref.promise_days[level],  # type: ignore[index]
                "no_bookable_slots": not within,
                "offers": [{"slot_id": c.slot_id, "unit_id": c.unit.unit_id, "unit_name": c.unit.name,
                            "municipality": c.unit.municipality, "starts_at": c.starts_at,
                            "wait_days": domain.wait_days(decided_at, c.starts_at),  # type: ignore[arg-type]
                            "digital": c.digital, "profession": c.profession, "visit_type": c.visit_type}
                           for c in cands]}

    @api.post("/holds", status_code=201, summary="Hold a time for a few minutes while the caller decides.")
    def hold(body: HoldIn, staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
        return hold_time(rt, ref, staff, body.case_id, body.slot_id)

    @api.post("/holds/{hold_token}/confirm", status_code=201, summary="Book the held time.")
    def confirm(hold_token: str, body: ConfirmIn | None = None, staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
        return book_held(rt, ref, staff, hold_token, bool(body and body.patient_chosen_wait),
                         body.slot_id if body else None)

    @api.post("/appointments/{appointment_id}/rebook", status_code=201,
              summary="Move a booked appointment to a held new time: one transaction, one fact, one message.")
    def rebook(appointment_id: str, body: RebookIn, staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
        now = rt.clock.now()
        with rt.db.uow() as uow:
            old = uow.session.get(Appointment, appointment_id)
            if old is None:
                raise service.refuse("appointment_id", "unknown", "Okänt besök.", "Unknown appointment.", 404)
            appt, case = service.confirm(uow, ref, body.hold_token, now, body.patient_chosen_wait,
                                         slot_id=body.slot_id, rebooking_of=appointment_id)
            freed = uow.session.get(Slot, old.slot_id)
            if freed is not None:  # the old time may be what a waiting child needs
                service.offer_to_waiting(uow, ref, freed, now)
            rt.audit.within(uow.session, staff, "rebook", case_id=appt.case_id, patient_ref=case.patient_ref,
                            detail=appointment_id)
            uow.commit()
        return {"appointment_id": appt.appointment_id, "rebooking_of": appointment_id, "unit_id": appt.unit_id,
                "starts_at": appt.starts_at, "wait_days": appt.wait_days}

    def _change(appointment_id: str, staff: Staff, action: str, body: CancelIn | None = None) -> dict[str, str]:
        now = rt.clock.now()
        with rt.db.uow() as uow:
            appt = uow.session.get(Appointment, appointment_id)
            if appt is None:
                raise service.refuse("appointment_id", "unknown", "Okänt besök.", "Unknown appointment.", 404)
            require_unit(staff, appt.unit_id)
            if action == "cancel":
                service.cancel(uow, appt, now, by=(body.by if body else "family"),
                               reason=body.reason if body else None, caused_by=None)
                slot = uow.session.get(Slot, appt.slot_id)
                uow.session.flush()
                if slot is not None:
                    service.offer_to_waiting(uow, ref, slot, now)
            else:
                service.mark(uow, appt, action, now)
            rt.audit.within(uow.session, staff, action, case_id=appt.case_id, patient_ref=_ref(uow, appt.case_id))
            uow.commit()
            return {"appointment_id": appointment_id, "status": appt.status}

    @api.post("/appointments/{appointment_id}/cancel", summary="Cancel (by the family or the unit).",
              openapi_extra=OWN_UNIT)
    def cancel(appointment_id: str, body: CancelIn, staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> dict[str, str]:
        return _change(appointment_id, staff, "cancel", body)

    @api.post("/appointments/{appointment_id}/attended", summary="The child came.", openapi_extra=OWN_UNIT)
    def attended(appointment_id: str, staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
        return _change(appointment_id, staff, "attended")

    @api.post("/appointments/{appointment_id}/no-show", summary="The child did not come.", openapi_extra=OWN_UNIT)
    def no_show(appointment_id: str, staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
        return _change(appointment_id, staff, "no-show")

    @api.get("/cases/{case_id}/appointments", openapi_extra=OWN_UNIT,
             summary="The case's appointments (audited). A scheduler or unit head sees those at their own unit.")
    def appointments(case_id: str, staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> list[dict[str, Any]]:
        with Session(rt.db.engine) as s:
            rows = s.exec(select(Appointment).where(Appointment.case_id == case_id)).all()
            case = s.get(BookingCase, case_id)
        mine = [r for r in rows if acts_for(staff, r.unit_id)]
        if rows and not mine:
            require_unit(staff, rows[0].unit_id)
        rt.audit.record(staff, "read-appointments", case_id=case_id, patient_ref=case.patient_ref if case else None,
                        detail=f"{len(mine)} appointments")
        return [r.model_dump() for r in mine]


def _group_routes(api: APIRouter, rt: ServiceRuntime, ref: Reference) -> None:
    @api.post("/groups", status_code=201, summary="Start a parent-group course.", openapi_extra=OWN_UNIT)
    def create_group(body: GroupIn, staff: Staff = require(*SCHEDULERS)) -> dict[str, str]:
        _unit_or_refuse(ref, body.unit_id)
        require_unit(staff, body.unit_id)
        if body.course_kind not in ref.course_kinds:
            raise service.refuse("course_kind", "unknown_kind", "Okänd kurstyp.", "Unknown course kind.")
        group_id = f"G-{body.starts_on:%Y%m%d}-{service._id('')}"
        with rt.db.uow() as uow:
            uow.session.add(ParentGroup(group_id=group_id, course_kind=body.course_kind, unit_id=body.unit_id,
                                        starts_on=body.starts_on, seats=body.seats, digital=body.digital))
            uow.commit()
        return {"group_id": group_id}

    @api.get("/groups", summary="Parent groups with free seats.",
             openapi_extra=county_wide("the county's course catalogue with free seats; no child in it"))
    def groups(course_kind: str | None = None, staff: Staff = require(*BOOKERS, "scheduler")) -> list[dict[str, Any]]:
        with rt.db.uow() as uow:
            rows = service.open_groups(uow, rt.clock.now())
        return [{**g.model_dump(), "free_seats": g.seats - g.booked} for g in rows
                if course_kind is None or g.course_kind == course_kind]

    @api.post("/groups/{group_id}/seats", status_code=201, summary="Book parents (and their child) into a group.")
    def seat(group_id: str, body: SeatIn, staff: Staff = require(*BOOKERS)) -> dict[str, Any]:
        now = rt.clock.now()
        with rt.db.uow() as uow:
            case = service.case_or_refuse(uow, body.case_id)
            service.book_seat(uow, ref, group_id, case, body.parents, body.booked_from, now)
            rt.audit.within(uow.session, staff, "book-seat", case_id=case.case_id, patient_ref=case.patient_ref)
            uow.commit()
        return {"group_id": group_id, "case_id": body.case_id}

    @api.post("/groups/{group_id}/seats/{case_id}/drop-out", summary="The family left the group.",
              openapi_extra=OWN_UNIT)
    def drop_out(group_id: str, case_id: str, staff: Staff = require(*BOOKERS, *SCHEDULERS)) -> dict[str, str]:
        with rt.db.uow() as uow:
            _group_unit_check(uow, staff, group_id)
            service.drop_out(uow, group_id, case_id, rt.clock.now())
            rt.audit.within(uow.session, staff, "drop-out", case_id=case_id, patient_ref=_ref(uow, case_id))
            uow.commit()
        return {"group_id": group_id, "case_id": case_id, "status": "dropped_out"}


def _group_unit_check(uow: Any, staff: Staff, group_id: str) -> None:
    group = uow.session.get(ParentGroup, group_id)
    if group is None:
        raise service.refuse("group_id", "unknown_group", "Okänd grupp.", "Unknown group.", 404)
    require_unit(staff, group.unit_id)


def _evaluation_route(api: APIRouter, rt: ServiceRuntime) -> None:
    @api.post("/groups/{group_id}/seats/{case_id}/evaluation", status_code=201,
              summary="The parents' answers on the four evaluation scales (once per family).", openapi_extra=OWN_UNIT)
    def evaluation(group_id: str, case_id: str, body: EvaluationIn,
                   staff: Staff = require("clinician", *SCHEDULERS)) -> dict[str, str]:
        with rt.db.uow() as uow:
            _group_unit_check(uow, staff, group_id)
            service.evaluate(uow, group_id, case_id, body.model_dump(), rt.clock.now())
            rt.audit.within(uow.session, staff, "record-evaluation", case_id=case_id, patient_ref=_ref(uow, case_id))
            uow.commit()
        return {"group_id": group_id, "case_id": case_id, "status": "evaluated"}


def _views(api: APIRouter, rt: ServiceRuntime, ref: Reference) -> None:
    @api.get("/waiting-list", openapi_extra=OWN_UNIT,
             summary="Cases waiting for a time, in clock order (audited, a row per child). A scheduler or unit head "
                     "sees their own unit's list (`unit_id` defaults to it).")
    def waiting(unit_id: str | None = None,
                staff: Staff = require(*BOOKERS, *SCHEDULERS, "kc_head")) -> list[dict[str, Any]]:
        if unit_id is None and not acts_for(staff, None):
            unit_id = staff.unit
        require_unit(staff, unit_id)
        with Session(rt.db.engine) as s:
            rows = s.exec(select(WaitingEntry).order_by(WaitingEntry.clock_start)).all()  # type: ignore[arg-type]
            rows = [r for r in rows if unit_id is None or unit_id in r.unit_ids]
            refs = {c.case_id: c.patient_ref for c in s.exec(select(BookingCase).where(
                BookingCase.case_id.in_([r.case_id for r in rows])))}  # type: ignore[attr-defined]
        rt.audit.children(staff, "read-waiting-list", [(r.case_id, refs.get(r.case_id)) for r in rows], detail=unit_id)
        return [{"position": i + 1, "case_id": r.case_id, "level": r.level, "municipality": r.municipality,
                 "clock_start": r.clock_start, "since": r.since} for i, r in enumerate(rows)]

    @api.get("/meeting/free-new-visits", summary="Weekly KC–BUP meeting: free new-visit times per unit and week.",
             openapi_extra=county_wide("counts of free times per unit for the county meeting; no child in it"))
    def free_new_visits(weeks: int = Query(4, ge=1, le=12, description="Weeks ahead, from this week."),
                        staff: Staff = require("kc_head", "clinician", *SCHEDULERS)) -> dict[str, Any]:
        now = rt.clock.now()
        until = now + timedelta(weeks=max(1, min(weeks, 12)))
        with rt.db.uow() as uow:
            slots = [s for s in service.free_slots(uow, now, [u.unit_id for u in ref.units]) if s.starts_at < until]
        table: dict[str, dict[str, int]] = {}
        for s in slots:
            y, w, _ = s.starts_at.astimezone(STOCKHOLM).isocalendar()
            table.setdefault(s.unit_id, {}).setdefault(f"{y}-W{w:02d}", 0)
            table[s.unit_id][f"{y}-W{w:02d}"] += 1
        return {"from": now, "weeks": weeks, "units": [{"unit_id": u.unit_id, "name": u.name, "level": u.level,
                                                        "free_by_week": table.get(u.unit_id, {})} for u in ref.units]}


