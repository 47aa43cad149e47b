"""Each unit's expected first-visit demand from the KPI service's demand forecast (DemandForecastPublished): the
municipalities' expected decisions per level and day, shared among the units as the recent weeks' are (pure)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.booking.domain.demand import units_for
from services.booking.domain.offers import is_bookable
from services.booking.domain.reference import Reference
from services.booking.domain.runway import WEEKDAYS, Demand, is_working_day
from services.chassis.clock import STOCKHOLM


@dataclass(frozen=True)
class ForecastCell:
    municipality: str
    level: str
    expected: Sequence[float]  # per day from the forecast's first day
    high: Sequence[float]  # mean + z·sd per day: the spread is read back from it


@dataclass(frozen=True)
class DemandForecast:
    computed_at: datetime
    first_day: date
    days: int
    z: float
    cells: Sequence[ForecastCell]

    @property
    def end(self) -> date:
        """The first day the forecast no longer covers."""
        return self.first_day + timedelta(days=self.days)


def newer(stored: datetime | None, incoming: datetime) -> bool:
    """Whether an arriving forecast replaces the stored one: only a later computation does (a replay or a
    duplicate is the same computation; an older one arriving late is stale)."""
    return stored is None or incoming > stored


def usable(f: DemandForecast | None, today: date, max_age_days: int) -> bool:
    """A forecast is read while it is fresh enough and still covers today; else the recent weeks are."""
    if f is None:
        return False
    age = (today - f.computed_at.astimezone(STOCKHOLM).date()).days
    return age <= max_age_days and f.first_day <= today < f.end


def forecast_demand(ref: Reference, f: DemandForecast, today: date,
                    holidays: Sequence[date] = ()) -> dict[str, Demand]:
    """Each unit's mean and variance per working day from today to the forecast's end: a cell's decisions shared
    equally among `units_for` its municipality and level, a weekend's or a holiday's carried to the next working
    day (the family still needs a time). Past the end the forecast's own weekday means and spread go on."""
    days = _working_days(today, f.end, holidays)
    by_unit: dict[str, dict[date, list[float]]] = defaultdict(lambda: {d: [0.0, 0.0] for d in days})
    for cell in f.cells:
        if not is_bookable(cell.level):
            continue
        units = units_for(ref, cell.municipality, cell.level)
        for i, (mean, high) in enumerate(zip(cell.expected, cell.high, strict=True)):
            day = _next_working_day(f.first_day + timedelta(days=i), holidays)
            if not today <= day < f.end:
                continue
            var = ((high - mean) / f.z) ** 2
            for u in units:
                slot = by_unit[u.unit_id][day]
                slot[0] += mean / len(units)
                slot[1] += var / len(units) ** 2
    return {u.unit_id: _demand({d: (m, v) for d, (m, v) in by_unit[u.unit_id].items()}) for u in ref.units}


def _working_days(first: date, end: date, holidays: Sequence[date]) -> list[date]:
    span = [first + timedelta(days=i) for i in range((end - first).days)]
    return [d for d in span if is_working_day(d, holidays)]


def _next_working_day(day: date, holidays: Sequence[date]) -> date:
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def _demand(by_day: dict[date, tuple[float, float]]) -> Demand:
    sums, ns = [0.0] * WEEKDAYS, [0] * WEEKDAYS
    for d, (mean, _var) in by_day.items():
        sums[d.weekday()] += mean
        ns[d.weekday()] += 1
    means = tuple(s / n if n else 0.0 for s, n in zip(sums, ns, strict=True))
    sd = (sum(v for _m, v in by_day.values()) / len(by_day)) ** 0.5 if by_day else 0.0
    return Demand(means, sd, by_day, "kpi_forecast")
