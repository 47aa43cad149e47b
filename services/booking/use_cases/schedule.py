"""A unit opens times, one by one or a whole calendar file; an opened time goes to a waiting child it suits."""
from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from services.booking import store
from services.booking.domain.calendar import BadLine, Row
from services.booking.domain.reference import Reference, Unit
from services.booking.domain.schedule import (
    OVERLAP,
    ends_at,
    file_refused,
    line_problems,
    slot_problems,
    stored_overlap,
)
from services.booking.forms import SlotIn
from services.booking.store import Slot
from services.booking.use_cases.appointments import new_id
from services.booking.use_cases.placement import offer_to_waiting
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def _clashes(uow: UnitOfWork, unit_id: str, body: SlotIn) -> bool:
    return store.clashing_slot(uow.session, unit_id, body.profession, body.starts_at, ends_at(body)) is not None


def _open(uow: UnitOfWork, ref: Reference, unit_id: str, body: SlotIn, now: datetime) -> Slot:
    """Insert the time and give it to a waiting child it suits."""
    slot = Slot(slot_id=new_id("T-"), unit_id=unit_id, starts_at=body.starts_at, ends_at=ends_at(body),
                profession=body.profession, visit_type=body.visit_type, digital=body.digital)
    uow.session.add(slot)
    uow.session.flush()
    offer_to_waiting(uow, ref, slot, now)
    return slot


def add_slot(uow: UnitOfWork, ref: Reference, unit: Unit, body: SlotIn, now: datetime) -> Slot:
    """Open one time: refused if the unit cannot open it or it overlaps another of the same profession."""
    problems = slot_problems(unit, body, now)
    if problems:
        raise Refused(*problems)
    if _clashes(uow, unit.unit_id, body):
        raise Refused(OVERLAP)
    return _open(uow, ref, unit.unit_id, body, now)


def import_slots(uow: UnitOfWork, ref: Reference, unit: Unit, rows: list[Row], bad: list[BadLine],
                 now: datetime) -> int:
    """Every row validated (format, rules, overlaps with stored times and with each other); then all stored,
    or none, with every bad line named (`bad` holds the lines the file's parser could not read)."""
    times: list[tuple[int, SlotIn]] = []
    for line, fields in rows:
        try:
            body = SlotIn.model_validate(fields)
        except ValidationError as exc:
            names = ", ".join(".".join(str(x) for x in e["loc"]) for e in exc.errors())
            bad.append(BadLine(line, f"ogiltigt värde i {names}.", f"invalid {names} ({exc.errors()[0]['msg']})."))
            continue
        bad += line_problems(unit, line, body, times, now)
        times.append((line, body))
    bad += [stored_overlap(line) for line, body in times if _clashes(uow, unit.unit_id, body)]
    if bad:
        raise file_refused(bad)
    for _, body in times:
        _open(uow, ref, unit.unit_id, body, now)
    return len(times)
