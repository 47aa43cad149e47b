"""Parent groups: a course started, a family seated, a family leaving, the parents' evaluation."""
from __future__ import annotations

from datetime import datetime

from contracts.booking import (
    GroupDropOutPayload,
    GroupDroppedOut,
    GroupEvaluated,
    GroupEvaluatedPayload,
    GroupSeatBooked,
    GroupSeatBookedPayload,
)
from services.booking import group_store
from services.booking.domain import enforce
from services.booking.domain.groups import (
    GROUP_FULL,
    UNKNOWN_GROUP,
    group_id,
    location,
    why_not_drop_out,
    why_not_evaluate,
    why_not_seat,
    why_not_start,
)
from services.booking.domain.reference import Reference
from services.booking.forms import EvaluationIn, GroupIn, SeatIn
from services.booking.store import BookingCase, GroupSeat, ParentGroup, WaitingEntry
from services.booking.use_cases.appointments import decided, new_id
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused


def known_group(uow: UnitOfWork, gid: str) -> ParentGroup:
    group = uow.session.get(ParentGroup, gid)
    if group is None:
        raise Refused(UNKNOWN_GROUP)
    return group


def start_group(uow: UnitOfWork, ref: Reference, body: GroupIn) -> str:
    """A unit starts a course of a kind the reference file names."""
    enforce(why_not_start(ref, body.course_kind))
    gid = group_id(body.starts_on, new_id(""))
    uow.session.add(ParentGroup(group_id=gid, course_kind=body.course_kind, unit_id=body.unit_id,
                                starts_on=body.starts_on, seats=body.seats, digital=body.digital))
    return gid


def book_seat(uow: UnitOfWork, ref: Reference, gid: str, body: SeatIn, now: datetime) -> BookingCase:
    """Seat the parents (and their child) if a seat is free; the case leaves the waiting list. Returns the case
    (for the caller's audit row)."""
    case = decided(uow.session.get(BookingCase, body.case_id))
    group = known_group(uow, gid)
    enforce(why_not_seat(uow.session.get(GroupSeat, (gid, case.case_id))))
    if not group_store.take_seat(uow.session, gid):
        raise Refused(GROUP_FULL)
    uow.session.add(GroupSeat(group_id=gid, case_id=case.case_id, parents=body.parents, booked_from=body.booked_from,
                              booked_at=now))
    unit = ref.unit(group.unit_id)
    uow.publish(GroupSeatBooked.new(case_id=case.case_id, occurred_at=now, payload=GroupSeatBookedPayload(
        group_id=gid, course_kind=group.course_kind, unit_id=group.unit_id,
        unit_name=unit.name if unit else group.unit_id, location=location(gid, group.digital, unit),
        starts_on=group.starts_on, digital=group.digital, parents=body.parents, booked_from=body.booked_from,
        child_sex=case.sex)))
    entry = uow.session.get(WaitingEntry, case.case_id)
    if entry is not None:
        uow.session.delete(entry)
    return case


def drop_out(uow: UnitOfWork, gid: str, case_id: str, now: datetime) -> None:
    seat = uow.session.get(GroupSeat, (gid, case_id))
    enforce(why_not_drop_out(seat))
    assert seat is not None  # refused above
    seat.dropped_out_at = now
    uow.session.add(seat)
    uow.publish(GroupDroppedOut.new(case_id=case_id, occurred_at=now,
                                    payload=GroupDropOutPayload(group_id=gid, at=now)))


def evaluate(uow: UnitOfWork, gid: str, case_id: str, answers: EvaluationIn, now: datetime) -> None:
    """Record the parents' answers on the four scales, once per seat."""
    seat = uow.session.get(GroupSeat, (gid, case_id))
    enforce(why_not_evaluate(seat))
    assert seat is not None  # refused above
    seat.evaluated_at = now
    uow.session.add(seat)
    uow.publish(GroupEvaluated.new(case_id=case_id, occurred_at=now, payload=GroupEvaluatedPayload(
        group_id=gid, at=now, satisfaction=answers.satisfaction, recommend=answers.recommend,
        easier_everyday=answers.easier_everyday, exchange=answers.exchange)))
