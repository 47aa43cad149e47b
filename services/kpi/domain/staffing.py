"""The expected referrals against the contact centre's staffing plan (pure): assessor-hours each day needs, the
hours the plan gives, and the days that will miss the 3-day promise with how many hours short."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.kpi.domain.referral_forecast import Expected

WEEKDAYS = 7


@dataclass(frozen=True)
class StaffingPlan:
    """Licensed assessor-hours per weekday (Monday first) and the measured minutes an assessment takes."""

    hours: tuple[float, ...]  # seven values
    advice_minutes: float = 20.0  # the advice call every contact gets
    interview_minutes: float = 60.0  # the telephone interview (BCFPI) for a contact that needs a care level

    def hours_per_contact(self, share_interviewed: float) -> float:
        return (self.advice_minutes + share_interviewed * self.interview_minutes) / 60


@dataclass(frozen=True)
class PlanDay:
    day: date
    expected: dict[str, Expected]  # per channel
    hours_needed: float  # assessment work arriving that day
    hours_planned: float
    hours_short: float  # work due by this day the plan leaves undone
    late_on_arrival: float  # expected contacts whose promise is over before they arrive (the paper's delay)

    @property
    def misses_promise(self) -> bool:
        return self.hours_short > 0.005 or self.late_on_arrival >= 0.5


def against_plan(expected: dict[str, list[Expected]], start: date, plan: StaffingPlan, promise_days: int,
                 share_interviewed: float, delay: dict[str, dict[int, float]]) -> list[PlanDay]:
    """Work arrives `delay` days after its clock starts (paper; others the same day) and is due `promise_days`
    after it; each day the planned hours go to the work due soonest (overdue first). A day misses the promise when
    work due on it is left: those hours are what it is short (the work stays, and is done first after)."""
    days = len(next(iter(expected.values()), []))
    per = plan.hours_per_contact(share_interviewed)
    arriving: dict[int, dict[int, float]] = {}  # arrival day -> due day -> hours
    late = [0.0] * days
    for channel, series in expected.items():
        for i, e in enumerate(series):
            for lag, share in (delay.get(channel) or {0: 1.0}).items():
                if lag > promise_days:
                    if i + lag < days:
                        late[i + lag] += e.mean * share
                    continue
                if i + lag < days:
                    slot = arriving.setdefault(i + lag, {})
                    slot[i + promise_days] = slot.get(i + promise_days, 0.0) + e.mean * share * per
    backlog: dict[int, float] = {}
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        for due, h in arriving.get(i, {}).items():
            backlog[due] = backlog.get(due, 0.0) + h
        free = plan.hours[day.weekday()]
        for due in sorted(backlog):
            done = min(free, backlog[due])
            backlog[due] -= done
            free -= done
        short = backlog.get(i, 0.0)  # counted on the day its promise ends; still done later, first of all
        backlog = {d: h for d, h in backlog.items() if h > 1e-9}
        out.append(PlanDay(day, {c: s[i] for c, s in expected.items()}, sum(arriving.get(i, {}).values()),
                           plan.hours[day.weekday()], round(short, 2), round(late[i], 2)))
    return out
