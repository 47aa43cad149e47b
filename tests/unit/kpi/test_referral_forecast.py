"""The referral forecast on hand-made histories: weekday and school-season pattern learnt, a short history read at
its recent level, the history read from case facts, and the days a staffing plan leaves short of the 3-day promise."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from services.kpi.domain.intake_history import intake_history
from services.kpi.domain.referral_forecast import Expected, fit_channel, seasonal_naive
from services.kpi.domain.staffing import StaffingPlan, against_plan
from services.kpi.domain.views import CaseView
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import fold

FIRST = date(2024, 12, 2)  # a Monday
PEAK = {4: 1.6, 5: 1.7, 11: 1.5, 12: 1.4, 7: 0.2}


def poisson(rng: random.Random, lam: float) -> int:
    n, t = 0, rng.expovariate(1.0)
    while t < lam:
        n, t = n + 1, t + rng.expovariate(1.0)
    return n


def history(days: int, base: float = 4.0, seed: int = 3) -> list[int]:
    """Weekdays only, Mondays 1.5 times the rest, the schools' season by month."""
    rng = random.Random(seed)
    out = []
    for i in range(days):
        d = FIRST + timedelta(days=i)
        lam = 0.0 if d.weekday() >= 5 else base * (1.5 if d.weekday() == 0 else 1.0) * PEAK.get(d.month, 1.0)
        out.append(poisson(rng, lam))
    return out


def test_the_weekday_and_the_school_season_are_learnt_from_a_year_and_more() -> None:
    counts = history(800)
    start = date(2027, 3, 15)  # a Monday; the horizon runs into April's peak
    horizon = [start + timedelta(days=i) for i in range(35)]
    means = dict(zip(horizon, fit_channel(counts, FIRST, horizon), strict=True))
    assert means[date(2027, 3, 20)] == 0.0 and means[date(2027, 3, 21)] == 0.0  # no weekend referrals
    assert means[date(2027, 3, 15)] == pytest.approx(6.0, rel=0.2)  # a March Monday
    assert means[date(2027, 3, 17)] == pytest.approx(4.0, rel=0.2)
    assert means[date(2027, 4, 7)] == pytest.approx(6.4, rel=0.2)  # an April Wednesday: the schools' peak


def test_a_short_history_is_read_at_its_last_eight_weeks() -> None:
    counts = [0] * 100 + [5 if (FIRST + timedelta(days=100 + i)).weekday() < 5 else 0 for i in range(60)]
    start = FIRST + timedelta(days=160)
    [mean] = fit_channel(counts, FIRST, [start + timedelta(days=(7 - start.weekday()) % 7)])  # the next Monday
    assert mean == pytest.approx(5.0, abs=0.01)
    assert fit_channel([0] * 50, FIRST, [start]) == [0.0]


def test_the_baseline_repeats_the_same_weekday_a_year_earlier() -> None:
    counts = list(range(400))
    assert seasonal_naive(counts, FIRST, FIRST + timedelta(days=380), 2) == [16.0, 17.0]
    assert seasonal_naive(counts[:30], FIRST, FIRST + timedelta(days=30), 8) == [23.0, 24, 25, 26, 27, 28, 29, 23]


def test_the_history_counts_contacts_on_the_clocks_day_the_papers_delay_and_the_share_interviewed() -> None:
    edi, paper = CaseBuilder(), CaseBuilder()
    edi.referral(at("2026-03-02"), channel="edi")
    edi.decided(at("2026-03-04"), "primary_care")
    paper.referral(at("2026-03-02", 0), channel="paper", received=at("2026-03-06", 8))
    paper.paper("2026-03-02", "2026-03-06")
    cases, _ = fold(edi.events + paper.events)
    h = intake_history([CaseView(k, f) for k, f in cases.items()], date(2026, 3, 1), date(2026, 3, 7))
    assert h.counts["edi"] == [0, 1, 0, 0, 0, 0, 0] and h.counts["paper"] == [0, 1, 0, 0, 0, 0, 0]
    assert h.delay == {"paper": {4: 1.0}} and h.share_interviewed == 0.5


def flat(mean: float, days: int) -> list[Expected]:
    return [Expected(mean, mean, mean)] * days


def test_a_plan_with_the_hours_needed_keeps_the_promise_and_one_without_marks_the_days_and_the_hours_short() -> None:
    start = date(2026, 3, 2)  # Monday
    expected = {"edi": flat(6.0, 14)}  # 6 a day, every day, each 20 + 0.5·60 = 50 minutes: 5 hours a day
    enough = against_plan(expected, start, StaffingPlan((5.0,) * 7), 3, 0.5, {})
    assert all(not d.misses_promise for d in enough) and enough[0].hours_needed == pytest.approx(5.0)
    weekdays_only = against_plan(expected, start, StaffingPlan((7.0,) * 5 + (0.0, 0.0)), 3, 0.5, {})
    # Saturday's and Sunday's 10 hours wait for Monday: Monday's and Tuesday's 14 hours clear them, no day short
    assert all(not d.misses_promise for d in weekdays_only)
    short = against_plan({"edi": flat(6.0, 20)}, start, StaffingPlan((4.0,) * 7), 3, 0.5, {})
    # an hour a day left over: work due by day i is 5·(i−2) hours, 4·(i+1) are done; from day 15 it is late
    assert not any(d.misses_promise for d in short[:15])
    assert [(d.day, d.hours_short) for d in short[15:17]] == [(date(2026, 3, 17), 1.0), (date(2026, 3, 18), 2.0)]


def test_paper_written_longer_ago_than_the_promise_arrives_too_late_whatever_the_plan() -> None:
    start = date(2026, 3, 2)
    days = against_plan({"paper": flat(2.0, 10)}, start, StaffingPlan((100.0,) * 7), 3, 0.0, {"paper": {1: 0.5, 5: 0.5}})
    assert days[0].late_on_arrival == 0.0 and days[5].late_on_arrival == pytest.approx(1.0)
    assert days[5].misses_promise and days[5].hours_short == 0.0
    assert days[1].hours_needed == pytest.approx(2.0 * 0.5 * 20 / 60)
