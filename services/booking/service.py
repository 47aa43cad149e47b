"""Booking's use cases on a unit of work: offers, holds, confirmations, changes, waiting list, groups."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from contracts.booking import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentBookedPayload,
    AppointmentCancelled,
    AppointmentChangePayload,
    AppointmentNoShow,
    GroupDropOutPayload,
    GroupDroppedOut,
    GroupEvaluated,
    GroupEvaluatedPayload,
    GroupSeatBooked,
    GroupSeatBookedPayload,
    NoBookableSlots,
    NoBookableSlotsPayload,
    ReplacedAppointment,
    SearchedUnit,
)
from contracts.envelope import Event
from services.booking import domain
from services.booking.reference import Reference
from services.booking.store import Appointment, BookingCase, GroupSeat, ParentGroup, Slot, WaitingEntry
from services.chassis.clock import STOCKHOLM
from services.chassis.db import UnitOfWork
from services.chassis.errors import DomainError, field_error


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


def refuse(field: str, code: str, sv: str, en: str, status: int = 422) -> DomainError:
    return DomainError([field_error(field, sv, en, code)], status=status)


def _decided(case: BookingCase | None) -> BookingCase:
    if case is None or case.level is None or case.decided_at is None:
        raise refuse("case_id", "no_decision", "Ingen vårdnivå är beslutad för ärendet ännu.",
                     "No care level has been decided for the case yet.", 409)
    return case


def case_or_refuse(uow: UnitOfWork, case_id: str) -> BookingCase:
    return _decided(uow.session.get(BookingCase, case_id))


def case_and_slot(uow: UnitOfWork, case_id: str, slot_id: str) -> tuple[BookingCase, Slot | None]:
    """The case (refused without a decided level) and the time, read in one statement: the first look of a
    hold. Both stay in the unit of work while the caller keeps them, so `hold` does not read the time again."""
    row = uow.session.exec(select(BookingCase, Slot).outerjoin(Slot, Slot.slot_id == slot_id)  # type: ignore[arg-type]
                           .where(BookingCase.case_id == case_id)).first()
    return _decided(row[0] if row else None), (row[1] if row else None)


def free_slots(uow: UnitOfWork, now: datetime, unit_ids: list[str]) -> list[Slot]:
    q = select(Slot).where(Slot.unit_id.in_(unit_ids), Slot.starts_at > now,  # type: ignore[attr-defined]
                           Slot.visit_type == "new_visit",
                           or_(Slot.state == "free", and_(Slot.state == "held", Slot.hold_expires_at <= now)))
    return list(uow.session.exec(q.order_by(Slot.starts_at)).all())  # type: ignore[arg-type]


def offers(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, limit: int = 5) -> list[domain.Candidate]:
    units = {u.unit_id: u for u in ref.units if domain.serves(u, case.level or "", case.age_years)}
    cands = [domain.Candidate(s.slot_id, units[s.unit_id], s.starts_at, s.digital, s.profession, s.visit_type,
                              ref.nearness(case.municipality, units[s.unit_id], s.digital))
             for s in free_slots(uow, now, list(units))]
    return domain.rank(ref, case.municipality, case.level or "", cands)[:limit]


def within_promise(ref: Reference, case: BookingCase, cands: list[domain.Candidate]) -> list[domain.Candidate]:
    deadline = domain.promise_deadline(ref, case.level or "primary_care", case.decided_at)  # type: ignore[arg-type]
    near = {u.unit_id for u in domain.near_units(ref, case.municipality, case.level or "", case.age_years)}
    return [c for c in cands if c.starts_at < deadline and (c.unit.unit_id in near or c.digital)]


def _free(now: datetime):  # type: ignore[no-untyped-def]
    """A time that can be held now: free, or held with an expired hold, and not yet begun."""
    return and_(Slot.starts_at > now, or_(Slot.state == "free", and_(Slot.state == "held", Slot.hold_expires_at <= now)))


def _looks_free(slot: Slot, now: datetime) -> bool:
    """The same test as `_free` on the row as this transaction read it (a hint only; the write decides)."""
    return slot.starts_at > now and (slot.state == "free" or (
        slot.state == "held" and slot.hold_expires_at is not None and slot.hold_expires_at <= now))


def slot_taken() -> DomainError:
    return refuse("slot_id", "slot_taken", "Tiden är redan hållen eller bokad av någon annan.",
                  "The time is already held or booked by someone else.", 409)


def hold(uow: UnitOfWork, ref: Reference, case: BookingCase, slot_id: str, now: datetime) -> tuple[str, datetime]:
    """Hold a time for the case. Of many staff on one time exactly one gets it, and the others are refused at
    once: a time already taken when read is refused without a write; a time another transaction is taking at
    this moment is skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL) instead of waited for."""
    slot = uow.session.get(Slot, slot_id)
    unit = ref.unit(slot.unit_id) if slot else None
    if slot is None or unit is None:
        raise refuse("slot_id", "unknown_slot", "Okänd tid.", "Unknown time.", 404)
    if not unit.takes_age(case.age_years):
        raise refuse("slot_id", "age_not_taken", f"{unit.name} tar inte emot barn i den åldern.",
                     f"{unit.name} does not see children of that age.")
    if unit.level != domain.unit_level(case.level or ""):
        raise refuse("slot_id", "wrong_level", "Tiden hör till en annan vårdnivå än den beslutade.",
                     "The time belongs to another level than the decided one.")
    if not _looks_free(slot, now):
        raise slot_taken()
    token = secrets.token_urlsafe(16)
    expires = now + timedelta(minutes=ref.hold_minutes)
    unlocked = select(Slot.slot_id).where(Slot.slot_id == slot_id, _free(now)).with_for_update(skip_locked=True)
    res = uow.session.exec(update(Slot).where(Slot.slot_id == unlocked.scalar_subquery(), _free(now))  # type: ignore[call-overload]
                           .values(state="held", hold_token=token, hold_case_id=case.case_id, hold_expires_at=expires)
                           .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise slot_taken()
    for name, value in (("state", "held"), ("hold_token", token), ("hold_case_id", case.case_id),
                        ("hold_expires_at", expires)):  # the row as written, without a second write or read
        set_committed_value(slot, name, value)
    return token, expires


def book_slot(uow: UnitOfWork, ref: Reference, case: BookingCase, slot: Slot, now: datetime, caused_by: Event | None,
              *, booked_by: str = "contact_centre", chosen: bool = False, replaces: Appointment | None = None,
              reason: str = "rebooked") -> Appointment:
    """Insert the appointment (the one-live-per-case index refuses a second) and publish it as one fact.

    With `replaces`, the old appointment is released in the same transaction and named in the same event,
    so the family hears once: the new time, and that the old one is gone."""
    unit = ref.unit(slot.unit_id)
    assert unit is not None
    appt = Appointment(appointment_id=_id("A-"), case_id=case.case_id, slot_id=slot.slot_id, unit_id=unit.unit_id,
                       level=case.level or "", starts_at=slot.starts_at,
                       wait_days=domain.wait_days(case.decided_at or now, slot.starts_at), booked_at=now,
                       patient_chosen_wait=chosen, rebooking_of=replaces.appointment_id if replaces else None)
    replaced = None
    if replaces is not None:
        old_unit = ref.unit(replaces.unit_id)
        replaced = ReplacedAppointment(appointment_id=replaces.appointment_id, unit_id=replaces.unit_id,
                                       unit_name=old_unit.name if old_unit else replaces.unit_id,
                                       starts_at=replaces.starts_at, reason=reason)  # type: ignore[arg-type]
        release(uow, replaces, status="replaced", replaced_by=appt.appointment_id)
    uow.session.add(appt)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # another transaction booked this child first: the index is the last word
        if "case_id" not in str(exc.orig) and "one_live" not in str(exc.orig):
            raise
        raise already_booked(None) from None
    uow.session.exec(delete(WaitingEntry).where(WaitingEntry.case_id == case.case_id))  # type: ignore[call-overload]
    uow.publish(AppointmentBooked.new(
        case_id=case.case_id, occurred_at=now, caused_by=caused_by, payload=AppointmentBookedPayload(
            appointment_id=appt.appointment_id, unit_id=unit.unit_id, unit_name=unit.name, unit_address=unit.address,
            video_link=f"https://video.regionvasterbotten.example/{appt.appointment_id}" if slot.digital else None,
            unit_municipality=unit.municipality, level=case.level, visit_type=slot.visit_type,  # type: ignore[arg-type]
            profession=slot.profession, starts_at=slot.starts_at, digital=slot.digital,
            decided_at=case.decided_at or now, wait_days=appt.wait_days, patient_chosen_wait=chosen,
            rebooking_of=appt.rebooking_of, replaces=replaced, booked_by=booked_by)))  # type: ignore[arg-type]
    return appt


def already_booked(live: Appointment | None) -> DomainError:
    if live is None:
        return refuse("case_id", "already_booked", "Barnet har redan en bokad tid.",
                      "The child already has a booked time.", 409)
    when = live.starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    return refuse("case_id", "already_booked",
                  f"Barnet har redan en bokad tid {when} ({live.unit_id}, {live.appointment_id}); "
                  "flytta den med ombokning i stället.",
                  f"The child already has a booked time {when} ({live.unit_id}, {live.appointment_id}); "
                  "move it with a re-booking instead.", 409)


def lock_case(uow: UnitOfWork, case_id: str) -> tuple[BookingCase, Appointment | None]:
    """The case row, locked until commit on PostgreSQL (bookings of one child take turns), and its live
    appointment if any, read in the same statement."""
    live = and_(Appointment.case_id == BookingCase.case_id, Appointment.status == "booked")
    row = uow.session.exec(select(BookingCase, Appointment).outerjoin(Appointment, live)  # type: ignore[arg-type]
                           .where(BookingCase.case_id == case_id).with_for_update(of=BookingCase)
                           .execution_options(populate_existing=True)).first()
    return _decided(row[0] if row else None), (row[1] if row else None)


def _unbookable_hold(uow: UnitOfWork, token: str, now: datetime, slot_id: str | None) -> DomainError:
    """Why a hold could not be booked (read only after the conditional write changed nothing)."""
    slot = uow.session.exec(select(Slot).where(Slot.hold_token == token)).first()
    if slot is None:
        return refuse("hold_token", "unknown_hold", "Okänd eller redan använd hållning.", "Unknown or used hold.", 404)
    if slot_id is not None and slot.slot_id != slot_id:  # another caller's token must not book this screen's time
        return refuse("hold_token", "wrong_hold", "Hållningen gäller en annan tid.", "The hold is for another time.", 409)
    if slot.hold_expires_at is None or slot.hold_expires_at <= now:
        return refuse("hold_token", "hold_expired", "Hållningen har gått ut; tiden är tillbaka bland lediga.",
                      "The hold expired; the time is back in the pool.", 409)
    return refuse("hold_token", "slot_taken", "Tiden hann bokas av någon annan.", "The time was taken.", 409)


def confirm(uow: UnitOfWork, ref: Reference, token: str, now: datetime, chosen: bool,
            slot_id: str | None = None, rebooking_of: str | None = None) -> tuple[Appointment, BookingCase]:
    """Book the held time. A child with a live appointment is refused (with that time) unless this is the
    deliberate re-booking of exactly that appointment, which moves it in this one transaction.

    The held time is booked by one conditional write that returns the row (held by this token, unexpired,
    the time the screen shows); only when it changes nothing is the row read to say why. A refusal after it
    (no decision, already booked) rolls the write back with the rest. Returns the appointment and the case
    (for the caller's audit row, without reading the case again)."""
    held = [Slot.hold_token == token, Slot.state == "held", Slot.hold_expires_at > now]  # type: ignore[operator]
    if slot_id is not None:  # the time the screen shows
        held.append(Slot.slot_id == slot_id)
    slot = uow.session.exec(update(Slot).where(*held)  # type: ignore[call-overload]
                            .values(state="booked", hold_token=None, hold_expires_at=None).returning(Slot)
                            .execution_options(populate_existing=True)).scalars().first()
    if slot is None:
        raise _unbookable_hold(uow, token, now, slot_id)
    case, live = lock_case(uow, slot.hold_case_id or "")
    if rebooking_of is None and live is not None:
        raise already_booked(live)
    if rebooking_of is not None and (live is None or live.appointment_id != rebooking_of):
        raise refuse("appointment_id", "not_live", "Besöket som ska flyttas är inte barnets bokade tid.",
                     "The appointment to move is not the child's booked time.", 409)
    return book_slot(uow, ref, case, slot, now, None, chosen=chosen, replaces=live), case


def active_appointment(uow: UnitOfWork, case_id: str) -> Appointment | None:
    return uow.session.exec(select(Appointment).where(Appointment.case_id == case_id,
                                                      Appointment.status == "booked")).first()


def release(uow: UnitOfWork, appt: Appointment, *, status: str, replaced_by: str | None = None) -> None:
    """The appointment stops being live and its time goes back to the pool."""
    appt.status, appt.replaced_by = status, replaced_by
    uow.session.add(appt)
    uow.session.exec(update(Slot).where(Slot.slot_id == appt.slot_id)  # type: ignore[call-overload]
                     .values(state="free", hold_token=None, hold_case_id=None, hold_expires_at=None))
    uow.session.flush()  # the live row is gone before a new one for the case is inserted


def cancel(uow: UnitOfWork, appt: Appointment, now: datetime, *, by: str, reason: str | None,
           caused_by: Event | None) -> None:
    if appt.status == "cancelled":
        raise refuse("appointment_id", "already_cancelled", "Besöket är redan avbokat.",
                     "The appointment is already cancelled.", 409)
    if appt.status == "replaced":
        raise refuse("appointment_id", "replaced", f"Besöket är flyttat till en ny tid ({appt.replaced_by}).",
                     f"The appointment was moved to a new time ({appt.replaced_by}).", 409)
    if appt.status != "booked":
        raise refuse("appointment_id", "not_booked", "Besöket är redan avslutat.", "The visit is already done.", 409)
    release(uow, appt, status="cancelled")
    uow.publish(AppointmentCancelled.new(case_id=appt.case_id, occurred_at=now, caused_by=caused_by,
                                         payload=AppointmentChangePayload(appointment_id=appt.appointment_id,
                                                                          unit_id=appt.unit_id, at=now, by=by,  # type: ignore[arg-type]
                                                                          reason=reason)))


def mark(uow: UnitOfWork, appt: Appointment, outcome: str, now: datetime) -> None:
    if appt.status != "booked":
        raise refuse("appointment_id", "not_booked", "Besöket är inte bokat.", "The appointment is not booked.", 409)
    if appt.starts_at > now:
        raise refuse("appointment_id", "not_yet", "Besöket har inte ägt rum än.", "The visit has not happened yet.")
    appt.status = "attended" if outcome == "attended" else "no_show"
    uow.session.add(appt)
    cls = AppointmentAttended if outcome == "attended" else AppointmentNoShow
    uow.publish(cls.new(case_id=appt.case_id, occurred_at=now, payload=AppointmentChangePayload(
        appointment_id=appt.appointment_id, unit_id=appt.unit_id, at=now, by="unit", reason=None)))


def no_bookable_slots(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, caused_by: Event | None) -> None:
    """Publish the evidence and put the case on the waiting list in clock order."""
    level = case.level or "primary_care"
    # parent groups are county-wide courses, not a unit's times: no unit is at fault
    units = [] if level == "parenting_group" else domain.near_units(ref, case.municipality, level, case.age_years)
    # the evidence names the units physically near the family (digital times were searched too)
    local = [u for u in units if ref.nearness(case.municipality, u, False) <= 1] or units
    searched = []
    for u in local:
        first = next(iter(free_slots(uow, now, [u.unit_id])), None)
        searched.append(SearchedUnit(unit_id=u.unit_id, first_free=first.starts_at if first else None))
    entry = uow.session.get(WaitingEntry, case.case_id) or WaitingEntry(
        case_id=case.case_id, level=level, municipality=case.municipality, clock_start=case.clock_start, since=now)
    entry.level, entry.unit_ids = level, [u.unit_id for u in units]
    uow.session.add(entry)
    uow.session.flush()
    position = len(uow.session.exec(select(WaitingEntry).where(WaitingEntry.level == level,
                                                               WaitingEntry.clock_start <= case.clock_start)).all())
    deadline = domain.promise_deadline(ref, level, case.decided_at or now)
    uow.publish(NoBookableSlots.new(case_id=case.case_id, occurred_at=now, caused_by=caused_by,
                                    payload=NoBookableSlotsPayload(
                                        level=level, municipality=case.municipality,  # type: ignore[arg-type]
                                        promise_days=ref.promise_days[level],  # type: ignore[index]
                                        searched_from=now, searched_to=deadline, units=searched,
                                        head_of_unit_refs=sorted({u.head_of_unit for u in local}),
                                        waiting_list_position=max(1, position))))


def place(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, caused_by: Event | None) -> Appointment | None:
    """After a decision (or a change of level): nothing to do if a time within the promise is bookable on the
    phone; otherwise the no-bookable-slots routine. A change of level re-books at once."""
    if case.level == "parenting_group":
        if not open_groups(uow, now, within_days=ref.promise_days["parenting_group"]):
            no_bookable_slots(uow, ref, case, now, caused_by)
        return None
    if case.level not in domain.BOOKABLE:
        return None
    ok = within_promise(ref, case, offers(uow, ref, case, now, limit=50))
    if not ok:
        no_bookable_slots(uow, ref, case, now, caused_by)
    return None


def change_level(uow: UnitOfWork, ref: Reference, case: BookingCase, now: datetime, caused_by: Event) -> None:
    """A new level moves a live appointment to the first time within the new promise (one fact, one message
    to the family); without such a time the old one is cancelled and the waiting-list routine runs."""
    previous = active_appointment(uow, case.case_id)
    if previous is None:
        place(uow, ref, case, now, caused_by)
        return
    ok = within_promise(ref, case, offers(uow, ref, case, now, limit=50)) if case.level in domain.BOOKABLE else []
    if not ok:
        cancel(uow, previous, now, by="contact_centre", reason="care_level_changed", caused_by=caused_by)
        if case.level in domain.BOOKABLE:
            no_bookable_slots(uow, ref, case, now, caused_by)
        return
    slot = uow.session.get(Slot, ok[0].slot_id)
    assert slot is not None
    slot.state = "booked"
    uow.session.add(slot)
    book_slot(uow, ref, case, slot, now, caused_by, replaces=previous, reason="care_level_changed")


def offer_to_waiting(uow: UnitOfWork, ref: Reference, slot: Slot, now: datetime) -> Appointment | None:
    """A time opened: the first waiting case (clock order) that it suits is booked automatically."""
    if slot.visit_type != "new_visit":
        return None
    unit = ref.unit(slot.unit_id)
    assert unit is not None
    for entry in uow.session.exec(select(WaitingEntry).order_by(WaitingEntry.clock_start)).all():  # type: ignore[arg-type]
        case = uow.session.get(BookingCase, entry.case_id, with_for_update=True)
        if case is None or not domain.serves(unit, entry.level, case.age_years):
            continue
        if active_appointment(uow, case.case_id) is not None:  # booked by phone meanwhile: no longer waiting
            uow.session.delete(entry)
            continue
        if unit.unit_id not in entry.unit_ids and not slot.digital:
            continue
        res = uow.session.exec(update(Slot).where(Slot.slot_id == slot.slot_id, Slot.state == "free")  # type: ignore[call-overload]
                               .values(state="booked"))
        if res.rowcount != 1:
            return None
        return book_slot(uow, ref, case, slot, now, None)
    return None


def open_groups(uow: UnitOfWork, now: datetime, within_days: int | None = None) -> list[ParentGroup]:
    today = now.date()
    q = select(ParentGroup).where(ParentGroup.starts_on >= today, ParentGroup.booked < ParentGroup.seats)
    if within_days is not None:
        q = q.where(ParentGroup.starts_on <= today + timedelta(days=within_days))
    return list(uow.session.exec(q.order_by(ParentGroup.starts_on)).all())  # type: ignore[arg-type]


def book_seat(uow: UnitOfWork, ref: Reference, group_id: str, case: BookingCase, parents: int, booked_from: str,
              now: datetime) -> GroupSeat:
    group = uow.session.get(ParentGroup, group_id)
    if group is None:
        raise refuse("group_id", "unknown_group", "Okänd grupp.", "Unknown group.", 404)
    if uow.session.get(GroupSeat, (group_id, case.case_id)) is not None:
        raise refuse("case_id", "already_seated", "Familjen har redan plats i gruppen.", "Already has a seat.", 409)
    res = uow.session.exec(update(ParentGroup).where(  # type: ignore[call-overload]
        ParentGroup.group_id == group_id, ParentGroup.booked < ParentGroup.seats)
        .values(booked=ParentGroup.booked + 1))
    if res.rowcount != 1:
        raise refuse("group_id", "group_full", "Gruppen är full.", "The group is full.", 409)
    seat = GroupSeat(group_id=group_id, case_id=case.case_id, parents=parents, booked_from=booked_from, booked_at=now)
    uow.session.add(seat)
    unit = ref.unit(group.unit_id)
    uow.publish(GroupSeatBooked.new(case_id=case.case_id, occurred_at=now, payload=GroupSeatBookedPayload(
        group_id=group_id, course_kind=group.course_kind, unit_id=group.unit_id,
        unit_name=unit.name if unit else group.unit_id,
        location=f"https://video.regionvasterbotten.example/g/{group_id}" if group.digital else (unit.address if unit else None),
        starts_on=group.starts_on, digital=group.digital, parents=parents, booked_from=booked_from,  # type: ignore[arg-type]
        child_sex=case.sex)))
    entry = uow.session.get(WaitingEntry, case.case_id)
    if entry is not None:
        uow.session.delete(entry)
    return seat


def drop_out(uow: UnitOfWork, group_id: str, case_id: str, now: datetime) -> None:
    seat = uow.session.get(GroupSeat, (group_id, case_id))
    if seat is None or seat.dropped_out_at is not None:
        raise refuse("case_id", "no_seat", "Familjen har ingen plats i gruppen.", "No seat in the group.", 409)
    seat.dropped_out_at = now
    uow.session.add(seat)
    uow.publish(GroupDroppedOut.new(case_id=case_id, occurred_at=now,
                                    payload=GroupDropOutPayload(group_id=group_id, at=now)))




def evaluate(uow: UnitOfWork, group_id: str, case_id: str, answers: dict[str, str], now: datetime) -> None:
    """Record the parents' answers on the four scales, once per seat."""
    seat = uow.session.get(GroupSeat, (group_id, case_id))
    if seat is None:
        raise refuse("case_id", "no_seat", "Familjen har ingen plats i gruppen.", "No seat in the group.", 409)
    if seat.evaluated_at is not None:
        raise refuse("case_id", "already_evaluated", "Familjen har redan svarat på utvärderingen.",
                     "The family has already answered the evaluation.", 409)
    seat.evaluated_at = now
    uow.session.add(seat)
    uow.publish(GroupEvaluated.new(case_id=case_id, occurred_at=now,
                                   payload=GroupEvaluatedPayload(group_id=group_id, at=now, **answers)))
