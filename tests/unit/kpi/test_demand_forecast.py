"""The demand forecast for booking's runway on hand-made histories: each case counted once on its decision's day per
municipality and level, the schools' season learnt from two years and shared by the municipalities' parts, a short
history read at its last eight weeks."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from services.kpi.domain.demand_forecast import DecisionHistory, decision_history, demand_forecast, method_of
from services.kpi.domain.views import CaseView
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import fold
from tests.unit.kpi.test_referral_forecast import PEAK, poisson

FIRST = date(2024, 3, 4)  # a Monday


def seasonal(days: int, base: float, seed: int) -> list[int]:
    """Decisions on weekdays only, at `base` a day times the schools' season (April-May, Nov-Dec peaks)."""
    rng = random.Random(seed)
    return [poisson(rng, 0.0 if d.weekday() >= 5 else base * PEAK.get(d.month, 1.0))
            for d in (FIRST + timedelta(days=i) for i in range(days))]


def test_each_case_counts_once_on_the_day_of_its_decision_to_the_level_it_holds_now() -> None:
    moved, signposted, umea = CaseBuilder(), CaseBuilder(), CaseBuilder()
    moved.referral(at("2026-03-02"), municipality="Sorsele")
    moved.decided(at("2026-03-03"), "primary_care")
    moved.decided(at("2026-03-05"), "bup", supersedes="primary_care")
    signposted.referral(at("2026-03-02"), municipality="Sorsele")
    signposted.decided(at("2026-03-03"), "signposting")
    umea.referral(at("2026-03-02"))
    umea.decided(at("2026-03-04"), "primary_care")
    cases, _ = fold(moved.events + signposted.events + umea.events)
    h = decision_history([CaseView(k, f) for k, f in cases.items()], date(2026, 3, 2), date(2026, 3, 6))
    assert h.counts == {("Sorsele", "bup"): [0, 0, 0, 1, 0], ("Umeå", "primary_care"): [0, 0, 1, 0, 0]}


def test_two_years_learn_the_schools_peak_and_each_municipality_gets_its_part() -> None:
    days = 730
    history = DecisionHistory(FIRST, FIRST + timedelta(days=days - 1), {
        ("Umeå", "primary_care"): seasonal(days, 3.0, 1), ("Sorsele", "primary_care"): seasonal(days, 1.0, 2)})
    start = date(2026, 3, 16)  # a Monday; eight weeks run into April's peak
    cells = {(c.municipality, c.level): c for c in demand_forecast(history, start, 56)}
    assert method_of(history) == "seasonal" and set(cells) == {("Umeå", "primary_care"), ("Sorsele", "primary_care")}
    sorsele, umea = cells[("Sorsele", "primary_care")], cells[("Umeå", "primary_care")]
    march, april = sorsele.expected[2], sorsele.expected[23]  # Wednesdays 18 March and 8 April
    assert march == pytest.approx(1.0, rel=0.3) and april == pytest.approx(1.6, rel=0.3) and april > 1.3 * march
    assert umea.expected[2] == pytest.approx(3 * march, rel=0.25)  # the same season, three times the part
    assert sorsele.expected[5] == 0.0  # a Saturday: no decisions on weekends
    assert sorsele.low[23] < april < sorsele.high[23]


def test_under_a_year_the_last_eight_weeks_are_the_level_and_no_month_is_modelled() -> None:
    days = 200
    counts = [2 if (FIRST + timedelta(days=i)).weekday() < 5 and i >= days - 56 else 0 for i in range(days)]
    history = DecisionHistory(FIRST, FIRST + timedelta(days=days - 1), {("Lycksele", "bup"): counts})
    start = FIRST + timedelta(days=days)
    [cell] = demand_forecast(history, start, 14)
    assert method_of(history) == "recent_weeks" and cell.level == "bup"
    assert [round(m, 2) for m in cell.expected if m] == [2.0] * 10
