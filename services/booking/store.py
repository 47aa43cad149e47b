"""Tables of the booking service (cases it knows, slots, appointments, the waiting list, parent groups) and
the named queries on them; every SQL statement of the service is here."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, ColumnElement, Index, MetaData, UniqueConstraint, text
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import AutoString, Column, Field, Session, SQLModel, and_, col, delete, func, or_, select, update

from contracts.booking import VisitType
from contracts.common import CareLevel, Sex
from services.booking.domain.appointments import AppointmentStatus, SlotState
from services.booking.domain.groups import BookedFrom
from services.booking.domain.reference import Profession


def _literal(length: int, **kw: Any) -> Any:
    """A column holding a Literal: typed in Python, VARCHAR(length) in the database (as the migrations made it)."""
    return Field(sa_type=AutoString(length=length), max_length=length, **kw)


class BookingBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the booking tables: a metadata of their own, so each database holds only its own tables."""


metadata = BookingBase.metadata


class BookingCase(BookingBase, table=True):
    """What booking knows of a case: pseudonymous child facts, clock start, decided level."""

    __tablename__ = "booking_cases"
    case_id: str = Field(primary_key=True, max_length=20)
    patient_ref: str = Field(max_length=40)
    age_years: int
    sex: Sex = _literal(10)
    municipality: str = Field(max_length=40)
    clock_start: datetime
    level: CareLevel | None = _literal(20, default=None)
    decided_at: datetime | None = None
    language: str | None = Field(default=None, max_length=3)  # the family's, when told (ISO 639)
    interpreter_needed: bool = False


class Slot(BookingBase, table=True):
    """A bookable time. State moves free -> held -> booked only through conditional updates."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("unit_id", "profession", "starts_at"),)
    slot_id: str = Field(primary_key=True, max_length=20)
    unit_id: str = Field(index=True, max_length=60)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    profession: Profession = _literal(30)
    visit_type: VisitType = _literal(30)
    digital: bool = False
    state: SlotState = _literal(10, default="free", index=True)
    hold_token: str | None = Field(default=None, max_length=40, index=True)
    hold_case_id: str | None = Field(default=None, max_length=20)
    hold_expires_at: datetime | None = None


LIVE = "status = 'booked'"


class Appointment(BookingBase, table=True):
    """A booked visit. At most one is live (status booked) per case: the database says so, not only the code."""

    __tablename__ = "appointments"
    __table_args__ = (Index("uq_appointments_one_live_per_case", "case_id", unique=True,
                            sqlite_where=text(LIVE), postgresql_where=text(LIVE)),)
    appointment_id: str = Field(primary_key=True, max_length=20)
    case_id: str = Field(index=True, max_length=20)
    slot_id: str = Field(index=True, max_length=20)
    unit_id: str = Field(max_length=60)
    level: CareLevel = _literal(20)
    starts_at: datetime
    wait_days: int
    status: AppointmentStatus = _literal(12, default="booked")
    booked_at: datetime
    patient_chosen_wait: bool = False
    rebooking_of: str | None = Field(default=None, max_length=20)
    replaced_by: str | None = Field(default=None, max_length=20)  # the re-booking that moved this one
    interpreter: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # InterpreterBooked


class WaitingEntry(BookingBase, table=True):
    """A case with no bookable time within the promise, in clock order, offered when a time opens."""

    __tablename__ = "waiting_list"
    case_id: str = Field(primary_key=True, max_length=20)
    level: CareLevel = _literal(20)
    municipality: str = Field(max_length=40)
    clock_start: datetime = Field(index=True)
    since: datetime
    unit_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ParentGroup(BookingBase, table=True):
    """A parent-group course at a unit, with its seats."""

    __tablename__ = "parent_groups"
    group_id: str = Field(primary_key=True, max_length=40)
    course_kind: str = Field(max_length=40)
    unit_id: str = Field(max_length=60)
    starts_on: date
    seats: int
    booked: int = 0
    digital: bool = True


class GroupSeat(BookingBase, table=True):
    """A family's seat in a parent group."""

    __tablename__ = "group_seats"
    group_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(primary_key=True, max_length=20)
    parents: int
    booked_from: BookedFrom = _literal(20)
    booked_at: datetime
    dropped_out_at: datetime | None = None
    evaluated_at: datetime | None = None  # the parents' evaluation is taken once per seat


# -- cases ---------------------------------------------------------------------------------------------------

def case_and_slot(s: Session, case_id: str, slot_id: str) -> tuple[BookingCase | None, Slot | None]:
    """The case and a time, read in one statement (the first look of a hold)."""
    row = s.exec(select(BookingCase, Slot).outerjoin(Slot, col(Slot.slot_id) == slot_id)
                 .where(col(BookingCase.case_id) == case_id)).first()
    return (row[0], row[1]) if row else (None, None)


def lock_case_with_live(s: Session, case_id: str) -> tuple[BookingCase | None, Appointment | None]:
    """The case row, locked until commit on PostgreSQL (bookings of one child take turns), and its live
    appointment if any, read in the same statement."""
    live = and_(col(Appointment.case_id) == col(BookingCase.case_id), col(Appointment.status) == "booked")
    row = s.exec(select(BookingCase, Appointment).outerjoin(Appointment, live)
                 .where(col(BookingCase.case_id) == case_id).with_for_update(of=BookingCase)
                 .execution_options(populate_existing=True)).first()
    return (row[0], row[1]) if row else (None, None)


def patient_ref(s: Session, case_id: str) -> str | None:
    """The child's pseudonymous reference, for the audit row."""
    case = s.get(BookingCase, case_id)
    return case.patient_ref if case else None


def patient_refs(s: Session, case_ids: Sequence[str]) -> dict[str, str]:
    rows = s.exec(select(BookingCase).where(col(BookingCase.case_id).in_(case_ids)))
    return {c.case_id: c.patient_ref for c in rows}


# -- slots ---------------------------------------------------------------------------------------------------

def free_now(now: datetime) -> ColumnElement[bool]:
    """A time that can be held now: free, or held with an expired hold, and not yet begun."""
    return and_(col(Slot.starts_at) > now, or_(col(Slot.state) == "free",
                                               and_(col(Slot.state) == "held", col(Slot.hold_expires_at) <= now)))


class FreeTime(NamedTuple):
    """A free time as offers, the waiting-list evidence and the runway read it (not the row: no state to change)."""

    slot_id: str
    unit_id: str
    starts_at: datetime
    digital: bool
    profession: Profession
    visit_type: VisitType


def free_new_visits(s: Session, now: datetime, unit_ids: Sequence[str]) -> list[FreeTime]:
    """Free new-visit times at these units, earliest first. Read as plain rows: every decision, offer list and
    runway forecast reads all of them, and building an ORM object per time cost three times the query."""
    q = sa_select(col(Slot.slot_id), col(Slot.unit_id), col(Slot.starts_at), col(Slot.digital),
                  col(Slot.profession), col(Slot.visit_type)).where(
        col(Slot.unit_id).in_(unit_ids), col(Slot.visit_type) == "new_visit", free_now(now))
    return [FreeTime(*row) for row in s.execute(q.order_by(col(Slot.starts_at)))]


def hold_slot(s: Session, slot: Slot, case_id: str, token: str, expires: datetime, now: datetime) -> bool:
    """Hold the time if it is still free; a time another transaction is taking is skipped (`FOR UPDATE SKIP
    LOCKED` on PostgreSQL), not waited for. The row object takes the written values without a second read."""
    unlocked = select(Slot.slot_id).where(col(Slot.slot_id) == slot.slot_id, free_now(now)).with_for_update(
        skip_locked=True)
    res = s.exec(update(Slot).where(col(Slot.slot_id) == unlocked.scalar_subquery(), free_now(now))
                 .values(state="held", hold_token=token, hold_case_id=case_id, hold_expires_at=expires)
                 .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        return False
    for name, value in (("state", "held"), ("hold_token", token), ("hold_case_id", case_id),
                        ("hold_expires_at", expires)):
        set_committed_value(slot, name, value)
    return True


def book_held_slot(s: Session, token: str, now: datetime, slot_id: str | None) -> Slot | None:
    """The time held by this token (unexpired, and the one the screen shows), booked by one conditional write
    that returns the row; None if the write changed nothing."""
    held = [col(Slot.hold_token) == token, col(Slot.state) == "held", col(Slot.hold_expires_at) > now]
    if slot_id is not None:
        held.append(col(Slot.slot_id) == slot_id)
    slot: Slot | None = s.exec(update(Slot).where(*held)
                               .values(state="booked", hold_token=None, hold_expires_at=None).returning(Slot)
                               .execution_options(populate_existing=True)).scalars().first()
    return slot


def slot_by_hold(s: Session, token: str) -> Slot | None:
    return s.exec(select(Slot).where(col(Slot.hold_token) == token)).first()


def give_up_hold(s: Session, token: str) -> None:
    """The held time goes back to the pool (a time that could not be booked with an interpreter)."""
    s.exec(update(Slot).where(col(Slot.hold_token) == token, col(Slot.state) == "held")
           .values(state="free", hold_token=None, hold_case_id=None, hold_expires_at=None))


def book_free_slot(s: Session, slot_id: str) -> bool:
    """Book a free time directly (for a waiting case); False if someone took it first."""
    res = s.exec(update(Slot).where(col(Slot.slot_id) == slot_id, col(Slot.state) == "free").values(state="booked"))
    return res.rowcount == 1


def free_slot(s: Session, slot_id: str) -> None:
    """The time goes back to the pool."""
    s.exec(update(Slot).where(col(Slot.slot_id) == slot_id)
           .values(state="free", hold_token=None, hold_case_id=None, hold_expires_at=None))


def clashing_slot(s: Session, unit_id: str, profession: str, starts_at: datetime, ends_at: datetime) -> Slot | None:
    """A time of the unit for the same profession that shares a minute with this one."""
    return s.exec(select(Slot).where(col(Slot.unit_id) == unit_id, col(Slot.profession) == profession,
                                     col(Slot.starts_at) < ends_at, col(Slot.ends_at) > starts_at)).first()


def unit_slots(s: Session, unit_id: str, start: datetime, end: datetime) -> list[Slot]:
    """The unit's times in [start, end), in order (a scheduler's week view)."""
    return list(s.exec(select(Slot).where(col(Slot.unit_id) == unit_id, col(Slot.starts_at) >= start,
                                          col(Slot.starts_at) < end).order_by(col(Slot.starts_at))).all())


# -- appointments --------------------------------------------------------------------------------------------

def live_appointment(s: Session, case_id: str) -> Appointment | None:
    return s.exec(select(Appointment).where(col(Appointment.case_id) == case_id,
                                            col(Appointment.status) == "booked")).first()


def insert_appointment(s: Session, appt: Appointment) -> bool:
    """Insert; False if the one-live-per-case index refused it (another transaction booked the child first)."""
    s.add(appt)
    try:
        s.flush()
    except IntegrityError as exc:
        if "case_id" not in str(exc.orig) and "one_live" not in str(exc.orig):
            raise
        return False
    return True


def case_appointments(s: Session, case_id: str) -> list[Appointment]:
    return list(s.exec(select(Appointment).where(col(Appointment.case_id) == case_id)).all())


# -- waiting list --------------------------------------------------------------------------------------------

def waiting_in_clock_order(s: Session) -> list[WaitingEntry]:
    return list(s.exec(select(WaitingEntry).order_by(col(WaitingEntry.clock_start))).all())


def waiting_count_up_to(s: Session, level: str, clock_start: datetime) -> int:
    """How many cases of the level wait with the same or an earlier clock start."""
    return s.exec(select(func.count()).select_from(WaitingEntry).where(
        col(WaitingEntry.level) == level, col(WaitingEntry.clock_start) <= clock_start)).one()


def stop_waiting(s: Session, case_id: str) -> None:
    s.exec(delete(WaitingEntry).where(col(WaitingEntry.case_id) == case_id))
