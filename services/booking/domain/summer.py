"""Summer planning with BUP (pure): for a chosen period, each unit's expected first visits against the free
new-visit times in its calendar, and the times to add to keep the promise."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from services.booking.domain.demand import Decided, promise_level, units_for
from services.booking.domain.offers import is_bookable
from services.booking.domain.reference import Reference
from services.booking.domain.runway import Demand, is_working_day
from services.chassis.clock import STOCKHOLM

Basis = Literal["last_year", "recent_weeks"]
YEAR = timedelta(days=364)  # 52 weeks: the same weekdays a year earlier


@dataclass(frozen=True)
class SummerRow:
    unit_id: str
    name: str
    level: str
    working_days: int
    expected: float  # first visits the families decided in the period are expected to need
    basis: Basis  # from the same weeks a year earlier, or (no year of history) the recent weeks' daily rate
    times: int  # free new-visit times from the period's first day to its last plus the promise
    gap: int  # times to add: expected rounded up, less the times there are (never below 0)


def working_days(first: date, last: date, holidays: Sequence[date]) -> list[date]:
    return [d for d in (first + timedelta(days=i) for i in range((last - first).days + 1)) if is_working_day(d, holidays)]


def last_year_demand(ref: Reference, decided: Iterable[Decided], first: date, last: date) -> dict[str, float]:
    """Each unit's first visits from the cases decided in the same weeks a year earlier."""
    out = {u.unit_id: 0.0 for u in ref.units}
    for municipality, level, at in decided:
        day = at.astimezone(STOCKHOLM).date()
        if is_bookable(level) and first - YEAR <= day <= last - YEAR:
            units = units_for(ref, municipality, level)
            for u in units:
                out[u.unit_id] += 1 / len(units)
    return out


def summer_plan(ref: Reference, first: date, last: date, free: Mapping[str, Sequence[date]],
                recent: Mapping[str, Demand], last_year: Mapping[str, float] | None,
                holidays: Sequence[date] = ()) -> list[SummerRow]:
    """A row per unit, the largest gap first. `last_year` None: the history does not reach a year back."""
    days = working_days(first, last, holidays)
    rows = []
    for u in ref.units:
        promise = ref.promise_days[promise_level(u)]
        until = last + timedelta(days=promise)
        times = sum(1 for d in free.get(u.unit_id, ()) if first <= d <= until)
        basis: Basis = "last_year" if last_year is not None else "recent_weeks"
        if last_year is not None:
            expected = last_year.get(u.unit_id, 0.0)
        else:
            expected = sum(recent[u.unit_id].by_weekday[d.weekday()] for d in days) if u.unit_id in recent else 0.0
        gap = max(0, math.ceil(expected - 1e-9) - times)
        rows.append(SummerRow(u.unit_id, u.name, u.level, len(days), round(expected, 1), basis, times, gap))
    return sorted(rows, key=lambda r: (-r.gap, r.name))
