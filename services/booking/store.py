"""Tables of the booking service: cases it knows, slots, appointments, the waiting list, parent groups."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, MetaData, UniqueConstraint, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class BookingBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the booking tables: a metadata of their own, so each database holds only its own tables."""


metadata = BookingBase.metadata


class BookingCase(BookingBase, table=True):
    """What booking knows of a case: pseudonymous child facts, clock start, decided level."""

    __tablename__ = "booking_cases"
    case_id: str = Field(primary_key=True, max_length=20)
    patient_ref: str = Field(max_length=40)
    age_years: int
    sex: str = Field(max_length=10)
    municipality: str = Field(max_length=40)
    clock_start: datetime
    level: str | None = Field(default=None, max_length=20)
    decided_at: datetime | None = None


class Slot(BookingBase, table=True):
    """A bookable time. State moves free -> held -> booked only through conditional updates."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("unit_id", "profession", "starts_at"),)
    slot_id: str = Field(primary_key=True, max_length=20)
    unit_id: str = Field(index=True, max_length=60)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    profession: str = Field(max_length=30)
    visit_type: str = Field(max_length=30)
    digital: bool = False
    state: str = Field(default="free", max_length=10, index=True)
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
    level: str = Field(max_length=20)
    starts_at: datetime
    wait_days: int
    status: str = Field(default="booked", max_length=12)  # booked, cancelled, replaced, attended, no_show
    booked_at: datetime
    patient_chosen_wait: bool = False
    rebooking_of: str | None = Field(default=None, max_length=20)
    replaced_by: str | None = Field(default=None, max_length=20)  # the re-booking that moved this one


class WaitingEntry(BookingBase, table=True):
    """A case with no bookable time within the promise, in clock order, offered when a time opens."""

    __tablename__ = "waiting_list"
    case_id: str = Field(primary_key=True, max_length=20)
    level: str = Field(max_length=20)
    municipality: str = Field(max_length=40)
    clock_start: datetime = Field(index=True)
    since: datetime
    unit_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # type: ignore[type-arg]


class ParentGroup(BookingBase, table=True):
    __tablename__ = "parent_groups"
    group_id: str = Field(primary_key=True, max_length=40)
    course_kind: str = Field(max_length=40)
    unit_id: str = Field(max_length=60)
    starts_on: date
    seats: int
    booked: int = 0
    digital: bool = True


class GroupSeat(BookingBase, table=True):
    __tablename__ = "group_seats"
    group_id: str = Field(primary_key=True, max_length=40)
    case_id: str = Field(primary_key=True, max_length=20)
    parents: int
    booked_from: str = Field(max_length=20)
    booked_at: datetime
    dropped_out_at: datetime | None = None
    evaluated_at: datetime | None = None  # the parents' evaluation is taken once per seat
