"""A unit's runway of first-visit times: the last day it can still offer a time within the promise, with a band."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_POLICY = Path(__file__).parents[1] / "data" / "runway_policy.yaml"
WEEKDAYS = 5  # demand is counted per working day, Monday to Friday


class RunwayPolicy(BaseModel):
    """The versioned policy file: when a unit's runway is short enough to alert."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    min_working_days: int = Field(gt=0)  # a runway shorter than this alerts
    max_gap_days: int = Field(gt=0)  # a stretch of calendar days without a free time longer than this alerts
    z: float = Field(gt=0)  # the band: demand at mean ± z·sd (1.64: 90 % two-sided)
    alert_on: Literal["expected", "low"] = "expected"  # which end of the band the threshold reads
    horizon_days: int = Field(gt=0, le=730)  # how far ahead the forecast looks
    history_weeks: int = Field(gt=0, le=104)  # how many past weeks the expected demand is taken from
    forecast_max_age_days: int = Field(7, ge=0, le=56)  # the KPI's demand forecast is read while this fresh
    holidays: tuple[date, ...] = ()  # days that are no working days although Monday to Friday


def load_policy(path: Path | None = None) -> RunwayPolicy:
    """The policy file at `path` (default: the one shipped in data/), validated."""
    path = path or DEFAULT_POLICY
    try:
        return RunwayPolicy.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


DemandSource = Literal["kpi_forecast", "recent_weeks"]


@dataclass(frozen=True)
class Demand:
    """Expected first-visit cases per working day at a unit: a mean per weekday (Mon..Fri) and a spread; from a
    forecast also each day's own mean and variance (`by_day`), which win over the weekday's on the days they cover."""

    by_weekday: tuple[float, ...]
    sd: float
    by_day: Mapping[date, tuple[float, float]] = field(default_factory=dict)  # day -> (mean, variance)
    source: DemandSource = "recent_weeks"

    def __post_init__(self) -> None:
        if len(self.by_weekday) != WEEKDAYS:
            raise ValueError("a mean for each of Monday to Friday")

    @classmethod
    def flat(cls, mean: float, sd: float = 0.0) -> Demand:
        return cls((mean,) * WEEKDAYS, sd)

    @property
    def mean(self) -> float:
        return sum(self.by_weekday) / WEEKDAYS

    def on(self, day: date) -> tuple[float, float]:
        """The expected count on a working day and its variance."""
        return self.by_day.get(day) or (self.by_weekday[day.weekday()], self.sd ** 2)


@dataclass(frozen=True)
class Gap:
    """Calendar days in a row with no free first-visit time, between two that have one."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Runway:
    """The forecast for one unit. `last_day` None: a family decided today already gets no time in the promise."""

    today: date
    promise_days: int
    last_day: date | None  # at the expected demand
    low: date | None  # at demand mean + z·sd: the earliest end
    high: date | None  # at demand mean - z·sd: the latest end
    working_days: int  # working days from today to `last_day` (0 when none)
    gap: Gap | None  # the first too-long gap before the runway ends, if any
    reason: Literal["runway", "gap"] | None  # why the policy calls it short; None: it is not

    @property
    def short(self) -> bool:
        return self.reason is not None


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < WEEKDAYS and day not in set(holidays)


def working_days_between(start: date, end: date, holidays: Sequence[date] = ()) -> int:
    """Working days in (start, end]: how many working days ahead `end` lies."""
    days = (end - start).days
    return sum(1 for i in range(1, days + 1) if is_working_day(start + timedelta(days=i), holidays))


def last_day_served(free: Sequence[date], today: date, promise_days: int, demand: Demand, shift: float,
                    horizon_days: int, holidays: Sequence[date] = ()) -> date | None:
    """The last day on which a family decided that day still gets a time within the promise, after the families
    decided before it took the earliest times. Demand up to working day n is the days' means summed, plus
    `shift`·√(their variances summed) (shift is ±z for the band; with one sd a day that is sd·√n)."""
    times = sorted(d for d in free if d >= today)
    taken, mean_sum, var_sum, last = 0, 0.0, 0.0, None
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        while taken < len(times) and times[taken] < day:
            taken += 1  # a time whose day has passed is lost, not carried
        if taken >= len(times) or (times[taken] - day).days > promise_days:
            return last
        if is_working_day(day, holidays):
            mean, var = demand.on(day)
            mean_sum, var_sum = mean_sum + mean, var_sum + var
            wanted = max(0, math.floor(mean_sum + shift * math.sqrt(var_sum)))
            if wanted > taken and _exhausted(times, taken, wanted, day, promise_days):
                return last
            taken = max(taken, min(wanted, len(times)))
        last = day
    return last


def _exhausted(times: Sequence[date], taken: int, wanted: int, day: date, promise_days: int) -> bool:
    """True when the families up to `wanted` cannot all get a time within the promise of `day`."""
    return wanted > len(times) or (times[wanted - 1] - day).days > promise_days


def first_gap(free: Sequence[date], today: date, until: date, max_gap_days: int) -> Gap | None:
    """The first stretch of more than `max_gap_days` days without a free time, between two free times that
    lie from today to `until` (a calendar that simply ends is the runway's business, not a gap)."""
    days = sorted({d for d in free if today <= d <= until})
    for before, after in pairwise(days):
        if (after - before).days - 1 > max_gap_days:
            return Gap(before + timedelta(days=1), after - timedelta(days=1))
    return None


def runway(free: Sequence[date], today: date, promise_days: int, demand: Demand, policy: RunwayPolicy) -> Runway:
    """The unit's runway, its band, and whether the policy calls it short."""
    def end(shift: float) -> date | None:
        return last_day_served(free, today, promise_days, demand, shift, policy.horizon_days, policy.holidays)

    expected, low, high = end(0.0), end(policy.z), end(-policy.z)
    read = low if policy.alert_on == "low" else expected
    # a gap matters while the families up to the runway's end are still being given times
    gap = first_gap(free, today, (read or today) + timedelta(days=promise_days), policy.max_gap_days)
    if read is None or working_days_between(today, read, policy.holidays) < policy.min_working_days:
        reason: Literal["runway", "gap"] | None = "runway"
    else:
        reason = "gap" if gap is not None else None
    working = working_days_between(today, expected, policy.holidays) if expected else 0
    return Runway(today, promise_days, expected, low, high, working, gap, reason)



def next_episode(open_: bool, short: bool) -> tuple[bool, bool]:
    """(publish, still open): a shortage is told once when it begins; it ends when the runway is long again."""
    return short and not open_, short
