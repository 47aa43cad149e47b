"""Holding a time during the call and booking the held time: of many staff on one time exactly one gets it."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from contracts.booking import InterpreterBooked
from services.booking import store
from services.booking.domain import enforce
from services.booking.domain.appointments import (
    SLOT_TAKEN,
    looks_free,
    why_hold_books_nothing,
    why_not_book,
    why_not_hold,
)
from services.booking.domain.reference import Reference
from services.booking.store import Appointment, BookingCase, Slot
from services.booking.use_cases.appointments import book_slot, decided
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def case_and_slot(uow: UnitOfWork, case_id: str, slot_id: str) -> tuple[BookingCase, Slot | None]:
    """The case (refused without a decided level) and the time, read in one statement: the first look of a
    hold. Both stay in the unit of work while the caller keeps them, so `hold` does not read the time again."""
    case, slot = store.case_and_slot(uow.session, case_id, slot_id)
    return decided(case), slot


def hold(uow: UnitOfWork, ref: Reference, case: BookingCase, slot_id: str, now: datetime) -> tuple[str, datetime]:
    """Hold a time for the case. Of many staff on one time exactly one gets it, and the others are refused at
    once: a time already taken when read is refused without a write; a time another transaction is taking at
    this moment is skipped instead of waited for."""
    slot = uow.session.get(Slot, slot_id)
    unit = ref.unit(slot.unit_id) if slot else None
    free = slot is not None and looks_free(slot.state, slot.hold_expires_at, slot.starts_at, now)
    enforce(why_not_hold(unit, case.age_years, case.level, free))
    assert slot is not None  # why_not_hold refused an unknown time
    token = secrets.token_urlsafe(16)
    expires = now + timedelta(minutes=ref.hold_minutes)
    if not store.hold_slot(uow.session, slot, case.case_id, token, expires, now):
        raise Refused(SLOT_TAKEN)
    return token, expires


def lock_case(uow: UnitOfWork, case_id: str) -> tuple[BookingCase, Appointment | None]:
    """The case, locked until commit (bookings of one child take turns), and its live appointment if any."""
    case, live = store.lock_case_with_live(uow.session, case_id)
    return decided(case), live


def confirm(uow: UnitOfWork, ref: Reference, token: str, now: datetime, chosen: bool,
            slot_id: str | None = None, rebooking_of: str | None = None,
            interpreter: InterpreterBooked | None = None) -> tuple[Appointment, BookingCase]:
    """Book the held time. A child with a live appointment is refused (with that time) unless this is the
    deliberate re-booking of exactly that appointment, which moves it in this one transaction.

    The held time is booked by one conditional write that returns the row (held by this token, unexpired,
    the time the screen shows); only when it changes nothing is the row read to say why. A refusal after it
    (no decision, already booked) rolls the write back with the rest. Returns the appointment and the case
    (for the caller's audit row, without reading the case again)."""
    slot = store.book_held_slot(uow.session, token, now, slot_id)
    if slot is None:
        held = store.slot_by_hold(uow.session, token)
        raise Refused(why_hold_books_nothing(held.slot_id if held else None, held.hold_expires_at if held else None,
                                             slot_id, now))
    case, live = lock_case(uow, slot.hold_case_id or "")
    enforce(why_not_book(live, rebooking_of))
    return book_slot(uow, ref, case, slot, now, None, chosen=chosen, replaces=live, interpreter=interpreter), case
