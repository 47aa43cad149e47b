"""Live guarantee clocks of open cases, and those that breach today or tomorrow unless someone acts."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from contracts.kpi import ClockName
from services.kpi.domain.days import deadline_date, local_date
from services.kpi.domain.definitions import Measure
from services.kpi.domain.views import CaseView

# the GuaranteeAtRisk contract names the clocks
CLOCK_OF_MEASURE: dict[str, ClockName] = {"assessment_3d": "assessment_3d", "first_line_visit_7d": "first_line_visit_7d",
                    "bup_first_visit_30d": "bup_first_visit_30d", "care_guarantee_90d": "care_guarantee_90d"}


@dataclass(frozen=True)
class OpenClock:
    case_id: str
    clock: ClockName
    started: date
    deadline: date
    days_left: int  # 0: breaches after today; negative: already breached
    unit_id: str | None
    booked_for: date | None  # a visit booked after the deadline still breaches
    municipality: str | None
    sex: str | None


def open_clock(v: CaseView, m: Measure, today: date) -> OpenClock | None:
    """The case's clock for `m` if it is still running today (nothing done that meets it yet)."""
    if v.ended_at() is not None:
        return None
    booked_for, unit = None, None
    if m.level is None:
        if not v.clock or v.assessed:
            return None
        start = v.clock
    else:
        decision = v.decided_to(m.level)
        if decision is None or v.current_level != m.level:
            return None
        start = decision.at
        visit = v.first_visit(m.level)
        if visit is not None:
            if local_date(visit.starts) <= deadline_date(start, m.limit_days) or visit.chosen:
                return None  # a visit within the promise (or one the family chose) is booked
            booked_for, unit = local_date(visit.starts), visit.unit
    deadline = deadline_date(start, m.limit_days)
    return OpenClock(v.case_id, CLOCK_OF_MEASURE[m.id], local_date(start), deadline, (deadline - today).days,
                     unit, booked_for, v.municipality, v.sex)


def board(views: Iterable[CaseView], measures: Iterable[Measure], today: date, horizon_days: int) -> list[OpenClock]:
    """Clocks that breach within `horizon_days` (0 today, 1 tomorrow), or have breached, earliest first."""
    ms = list(measures)
    out = [c for v in views for m in ms if (c := open_clock(v, m, today)) is not None and c.days_left <= horizon_days]
    return sorted(out, key=lambda c: (c.deadline, c.clock, c.case_id))


def at_risk(clocks: Iterable[OpenClock]) -> list[OpenClock]:
    """Those that have not yet breached: the ones an alert can still save."""
    return [c for c in clocks if c.days_left >= 0]
