"""Tables of the kpi service: merged facts per case and per call, tags and alerts raised, input counts.

No direct identifiers: a case is its pseudonymous case id, a child is age, sex and municipality.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, MetaData, String, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from contracts.kpi import ClockName, ReportedLevel


class KpiBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the kpi tables: a metadata of their own, so each database holds only its own tables."""


metadata = KpiBase.metadata


class CaseFactsRow(KpiBase, table=True):
    """The merged facts of one case (see domain/merge.py for their shape and merge rules)."""

    __tablename__ = "kpi_case_facts"
    case_id: str = Field(primary_key=True, max_length=40)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    known: bool = Field(default=False, index=True)  # its ReferralReceived has been seen
    updated_at: datetime
    # the days the case can count in (domain/window.py): a query reads only the rows overlapping its period
    first_day: date | None = Field(default=None, index=True)
    last_day: date | None = Field(default=None, index=True)
    unit: str | None = Field(default=None, max_length=80)  # the unit first booked into (the dashboard's unit list)


class CallFactsRow(KpiBase, table=True):
    """The merged steps of one call (offered, answered, queue full, callback...)."""

    __tablename__ = "kpi_call_facts"
    call_id: str = Field(primary_key=True, max_length=80)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime
    day: date | None = Field(default=None, index=True)  # the day of its first step: the day it counts in


class DeviationRow(KpiBase, table=True):
    """A DeviationTagged event this service published; the unique key makes tagging idempotent."""

    __tablename__ = "kpi_deviation"
    __table_args__ = (UniqueConstraint("case_id", "rule_id", "item_key"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=40, index=True)
    rule_id: str = Field(max_length=80)
    item_key: str = Field(max_length=120)
    unit_id: str | None = Field(default=None, max_length=80)
    level: ReportedLevel = Field(sa_column=Column(String(40), nullable=False))
    day: date
    tagged_at: datetime
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AlertRow(KpiBase, table=True):
    """A GuaranteeAtRisk event published for one clock of one case: raised once, before the breach."""

    __tablename__ = "kpi_alert"
    case_id: str = Field(primary_key=True, max_length=40)
    clock: ClockName = Field(sa_column=Column(String(40), primary_key=True))
    deadline: date
    raised_at: datetime


class InputCountRow(KpiBase, table=True):
    """How many events of each defined bad-input outcome the projections have met."""

    __tablename__ = "kpi_input_count"
    outcome: str = Field(primary_key=True, max_length=40)
    n: int = 0


class TallyRow(KpiBase, table=True):
    """A kept count: the sum over every case (or call) of what it adds to one column of a figure on one day with
    these dimensions (domain/tally.py). A figure request sums a period's rows. '' stands for a missing value."""

    __tablename__ = "kpi_tally"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: rows stored in key order, read by a day range directly
    figure: str = Field(primary_key=True, max_length=40)
    day: date = Field(primary_key=True)
    municipality: str = Field(primary_key=True, max_length=80)
    sex: str = Field(primary_key=True, max_length=20)
    age_band: str = Field(primary_key=True, max_length=20)
    channel: str = Field(primary_key=True, max_length=40)
    unit: str = Field(primary_key=True, max_length=80)  # the unit a filter matches
    unit_by: str = Field(primary_key=True, max_length=80)  # the unit shown in a breakdown by unit
    item: str = Field(primary_key=True, max_length=120)  # a parent group's course, a call's line
    counted: str = Field(primary_key=True, max_length=80)  # the figure's column
    month: str = Field(max_length=7)  # YYYY-MM of `day`: what a figure request groups by
    n: int = 0


class TallyMonthRow(KpiBase, table=True):
    """`TallyRow`s summed per month at a level of dimensions (domain/tally.py: `by_month`): the dimensions the level
    does not keep are ''. A request for whole months with those dimensions reads these, not the day rows."""

    __tablename__ = "kpi_tally_month"
    __table_args__ = {"sqlite_with_rowid": False}
    figure: str = Field(primary_key=True, max_length=40)
    level: str = Field(primary_key=True, max_length=8)
    month: str = Field(primary_key=True, max_length=7)
    municipality: str = Field(primary_key=True, max_length=80)
    sex: str = Field(primary_key=True, max_length=20)
    unit: str = Field(primary_key=True, max_length=80)
    unit_by: str = Field(primary_key=True, max_length=80)
    item: str = Field(primary_key=True, max_length=120)
    counted: str = Field(primary_key=True, max_length=80)
    n: int = 0


class OpenRow(KpiBase, table=True):
    """The open-clock set: a case whose reading in a figure still depends on today, until `settles_on` (a clock
    within its limit, a wait with no end, a late visit still to come; domain/tally.py). Rows of settled days stay
    (a request reads those after its today); a new state of the case replaces its rows."""

    __tablename__ = "kpi_open"
    __table_args__ = (Index("ix_kpi_open_figure_settles_on", "figure", "settles_on"),)
    case_id: str = Field(primary_key=True, max_length=40)
    figure: str = Field(primary_key=True, max_length=40)
    settles_on: date


class TallyStateRow(KpiBase, table=True):
    """Under which definitions and rules the tally was kept (`Tallies.signature`): another means a rebuild."""

    __tablename__ = "kpi_tally_state"
    name: str = Field(primary_key=True, max_length=40)
    signature: str = Field(max_length=64)


class RunwayAlertRow(KpiBase, table=True):
    """A SlotRunwayShort booking told about a unit (no child in it): rebuilt by a replay like the facts."""

    __tablename__ = "kpi_runway_alert"
    unit_id: str = Field(primary_key=True, max_length=80)
    at: str = Field(primary_key=True, max_length=32)  # the alert's instant, UTC ISO (compares as text)
    day: date = Field(index=True)  # its Swedish calendar day
    reason: str = Field(max_length=20)
    last_day: date | None = None


class StaffingPlanRow(KpiBase, table=True):
    """The contact centre head's staffing plan: one row, replaced when the head saves a new one."""

    __tablename__ = "kpi_staffing_plan"
    id: int = Field(default=1, primary_key=True)
    hours: list[float] = Field(sa_column=Column(JSON, nullable=False))  # assessor-hours Monday..Sunday
    advice_minutes: float
    interview_minutes: float
    saved_at: datetime
