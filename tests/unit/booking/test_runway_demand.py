"""Expected first-visit demand per unit from the cases decided over the past weeks, with its weekday pattern."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.booking.domain.demand import expected_demand, units_for
from services.booking.domain.reference import load
from services.chassis.clock import STOCKHOLM

REF = load()
TODAY = date(2026, 3, 2)  # a Monday


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=10), STOCKHOLM)


def test_a_case_counts_at_its_own_municipalitys_units_of_its_level() -> None:
    assert [u.unit_id for u in units_for(REF, "Sorsele", "primary_care")] == ["hc-sorsele"]
    assert all(u.level == "specialist" for u in units_for(REF, "Sorsele", "bup"))


def test_mondays_heavy_history_gives_a_monday_heavy_mean_and_a_spread() -> None:
    mondays = [TODAY - timedelta(weeks=w) for w in range(1, 5)]
    decided = [("Sorsele", "primary_care", at(d)) for d in mondays for _ in range(3)]
    decided += [("Sorsele", "parenting_group", at(mondays[0]))]  # not a first visit at a unit: not counted
    demand = expected_demand(REF, decided, TODAY, weeks=4)["hc-sorsele"]
    assert demand.by_weekday == (3.0, 0.0, 0.0, 0.0, 0.0)
    assert round(demand.mean, 2) == 0.6 and demand.sd > 1
    assert expected_demand(REF, decided, TODAY, weeks=4)["hc-ersboda"].mean == 0.0
