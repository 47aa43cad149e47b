"""What a figure is asked for (period, filters, breakdown) and the data it is computed from (pure)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import Definitions
from services.kpi.domain.facts import Facts
from services.kpi.domain.periods import age_band, bounds, period_of, periods_between
from services.kpi.domain.runway_alerts import RunwayAlert
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView

DIMENSIONS = ("channel", "sex", "age_band", "municipality", "unit")


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    today: date
    grain: str = "month"
    municipality: str | None = None
    unit: str | None = None
    sex: str | None = None
    by: str | None = None

    def period_keys(self) -> list[str]:
        last = min(self.end, self.today)
        return periods_between(self.start, last, self.grain) if self.start <= last else []

    def closed_bounds(self, key: str) -> tuple[date, date]:
        """A period's days, cut at today (a period in progress is reported as of today)."""
        first, last = bounds(key)
        return max(first, self.start), min(last, self.end, self.today)


class Dataset:
    """Case views and call facts (and, for the runway figure, units' runway alerts) for one computation; views are
    built once."""

    def __init__(self, cases: Iterable[tuple[str, Facts]], calls: Iterable[tuple[str, Facts]],
                 defs: Definitions, alerts: Iterable[RunwayAlert] = ()) -> None:
        self.views = [CaseView(k, f) for k, f in cases]
        self.calls = list(calls)
        self.defs = defs
        self.alerts = list(alerts)

    def dim_value(self, v: CaseView, dim: str | None, unit: str | None = None) -> str | None:
        if dim is None:
            return None
        if dim == "age_band":
            return age_band(v.age, self.defs.age_bands)
        if dim == "unit":
            return unit or v.unit
        return str(getattr(v, dim))

    def selected(self, q: Query) -> list[CaseView]:
        """Cases passing the municipality and sex filters (the unit filter is per span or event)."""
        out = self.views
        if q.municipality:
            out = [v for v in out if v.municipality == q.municipality]
        if q.sex:
            out = [v for v in out if v.sex == q.sex]
        return out


def new_table(figure: str, q: Query, columns: list[str], child: Iterable[str],
           shares: dict[str, tuple[str, str]] | None = None) -> Table:
    return Table(figure, columns, frozenset(child), shares or {}, q.by, periods=q.period_keys())


def in_query(q: Query, ts: str, keys: set[str]) -> str | None:
    day = local_date(ts)
    key = period_of(day, q.grain)
    return key if key in keys and q.start <= day <= min(q.end, q.today) else None
