"""After a decision: the offers, whether the promise can be kept, the waiting list, and a change of level."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.booking import NoBookableSlots, NoBookableSlotsPayload, SearchedUnit
from contracts.envelope import Event
from services.booking import group_store, store
from services.booking.domain.appointments import decision
from services.booking.domain.interpreting import needs_interpreter
from services.booking.domain.offers import (
    NOT_BOOKABLE,
    BookableLevel,
    Candidate,
    candidates,
    is_bookable,
    promise_deadline,
    rank,
    serving_units,
    within_promise,
)
from services.booking.domain.reference import PromiseLevel, Reference
from services.booking.domain.waiting import evidence_units, offered_to_waiting, position, reaches, suits, waited_units
from services.booking.store import Appointment, BookingCase, Slot, WaitingEntry
from services.booking.use_cases.appointments import book_slot, cancel, decided
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def offers(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, limit: int = 5) -> list[Candidate]:
    """The free times suiting the case, best first (nearest, or earliest for urgent cases)."""
    units = serving_units(ref, case.level, case.age_years)
    times = store.free_new_visits(uow.session, now, list(units))
    return rank(case.level, candidates(ref, case.municipality, units, times))[:limit]


def promised(ref: Reference, case: BookingCase, level: BookableLevel, cands: list[Candidate]) -> list[Candidate]:
    """The offers that keep the promise of the case's decided level."""
    decided_at = decision(case.level, case.decided_at).decided_at
    return within_promise(ref, level, decided_at, case.municipality, case.age_years, cands)


@dataclass(frozen=True)
class OfferList:
    """The offers shown during the call, and whether any keeps the promise."""

    level: BookableLevel
    decided_at: datetime
    patient_ref: str
    interpreter_language: str | None
    offers: list[Candidate]
    promised: list[Candidate]


def offers_for(uow: UnitOfWork, ref: Reference, case_id: str, now: datetime, limit: int) -> OfferList:
    """Refused without a decided level, or for a level not booked here (parent groups, signposting)."""
    case = decided(uow.session.get(BookingCase, case_id))
    level = case.level
    if not is_bookable(level):
        raise Refused(NOT_BOOKABLE)
    cands = offers(uow, ref, case, now, limit=limit)
    return OfferList(level, decision(level, case.decided_at).decided_at, case.patient_ref,
                     needs_interpreter(case.language, case.interpreter_needed), cands, promised(ref, case, level, cands))


def no_bookable_slots(uow: UnitOfWork, ref: Reference, case: BookingCase, level: PromiseLevel, now: datetime,
                      caused_by: Event | None) -> None:
    """Publish the evidence and put the case on the waiting list in clock order."""
    units = waited_units(ref, case.municipality, level, case.age_years)
    local = evidence_units(ref, case.municipality, units)
    searched = []
    for u in local:
        first = next(iter(store.free_new_visits(uow.session, now, [u.unit_id])), None)
        searched.append(SearchedUnit(unit_id=u.unit_id, first_free=first.starts_at if first else None))
    entry = uow.session.get(WaitingEntry, case.case_id) or WaitingEntry(
        case_id=case.case_id, level=level, municipality=case.municipality, clock_start=case.clock_start, since=now)
    entry.level, entry.unit_ids = level, [u.unit_id for u in units]
    uow.session.add(entry)
    uow.session.flush()
    uow.publish(NoBookableSlots.new(case_id=case.case_id, occurred_at=now, caused_by=caused_by,
                                    payload=NoBookableSlotsPayload(
                                        level=level, municipality=case.municipality,
                                        promise_days=ref.promise_days[level], searched_from=now,
                                        searched_to=promise_deadline(ref, level, case.decided_at or now),
                                        units=searched, head_of_unit_refs=sorted({u.head_of_unit for u in local}),
                                        waiting_list_position=position(store.waiting_count_up_to(
                                            uow.session, level, case.clock_start)))))


def place(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime,
          caused_by: Event | None) -> Appointment | None:
    """After a decision (or a change of level): nothing to do if a time within the promise is bookable on the
    phone; otherwise the no-bookable-slots routine."""
    level = case.level
    if level == "parenting_group":
        last_start = now.date() + timedelta(days=ref.promise_days["parenting_group"])
        if not group_store.open_groups(uow.session, now.date(), last_start):
            no_bookable_slots(uow, ref, case, level, now, caused_by)
        return None
    if not is_bookable(level):
        return None
    if not promised(ref, case, level, offers(uow, ref, case, now, limit=50)):
        no_bookable_slots(uow, ref, case, level, now, caused_by)
    return None


def change_level(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, caused_by: Event | None) -> None:
    """A new level moves a live appointment to the first time within the new promise (one fact, one message
    to the family); without such a time the old one is cancelled and the waiting-list routine runs."""
    previous = store.live_appointment(uow.session, case.case_id)
    if previous is None:
        place(uow, ref, case, now, caused_by)
        return
    level = case.level
    ok = promised(ref, case, level, offers(uow, ref, case, now, limit=50)) if is_bookable(level) else []
    if not ok:
        cancel(uow, previous, now, by="contact_centre", reason="care_level_changed", caused_by=caused_by)
        if is_bookable(level):
            no_bookable_slots(uow, ref, case, level, now, caused_by)
        return
    slot = uow.session.get(Slot, ok[0].slot_id)
    assert slot is not None
    slot.state = "booked"
    uow.session.add(slot)
    book_slot(uow, ref, case, slot, now, caused_by, replaces=previous, reason="care_level_changed")


def offer_to_waiting(uow: UnitOfWork, ref: Reference, slot: Slot, now: datetime) -> Appointment | None:
    """A time opened: the first waiting case (clock order) that it suits is booked automatically."""
    if not offered_to_waiting(slot.visit_type):
        return None
    unit = ref.unit(slot.unit_id)
    assert unit is not None
    for entry in store.waiting_in_clock_order(uow.session):
        case = uow.session.get(BookingCase, entry.case_id, with_for_update=True)
        if case is None or not suits(unit, entry.level, case.age_years):
            continue
        if store.live_appointment(uow.session, case.case_id) is not None:  # booked by phone meanwhile
            uow.session.delete(entry)
            continue
        if case.interpreter_needed:  # a person books it, with the interpreter, on the phone with the family
            continue
        if not reaches(unit.unit_id, slot.digital, entry.unit_ids):
            continue
        if not store.book_free_slot(uow.session, slot.slot_id):
            return None
        return book_slot(uow, ref, case, slot, now, None)
    return None
