"""A unit's runway of first-visit times from hand-made calendars: when it ends, its band, when it is short."""
from __future__ import annotations

from datetime import date, timedelta

from services.booking.domain.runway import (
    Demand,
    RunwayPolicy,
    last_day_served,
    load_policy,
    next_episode,
    runway,
    working_days_between,
)

TODAY = date(2026, 3, 2)  # a Monday, no holidays near
POLICY = RunwayPolicy(version="t", min_working_days=10, max_gap_days=7, z=1.64, horizon_days=180, history_weeks=8)


def working_days(start: date, count: int, per_day: int = 1) -> list[date]:
    """`per_day` free times on each of the `count` working days from `start` (inclusive)."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return [d for d in days for _ in range(per_day)]


def test_a_calendar_ending_in_9_working_days_is_short_and_names_its_last_day() -> None:
    free = working_days(TODAY, 10)  # today and 9 working days ahead
    r = runway(free, TODAY, 7, Demand.flat(0.0), POLICY)
    assert r.last_day == date(2026, 3, 13)
    assert working_days_between(TODAY, date(2026, 3, 13)) == r.working_days == 9
    assert r.short and r.reason == "runway"


def test_the_same_unit_alerts_once_per_shortage_episode() -> None:
    free = working_days(TODAY, 10)
    nights = [runway(free[i:], TODAY + timedelta(days=i), 7, Demand.flat(0.0), POLICY) for i in range(3)]
    open_, published = False, []
    for r in nights:
        publish, open_ = next_episode(open_, r.short)
        published.append(publish)
    assert published == [True, False, False]
    assert next_episode(True, False) == (False, False)  # the runway recovered: the episode closes
    assert next_episode(False, True) == (True, True)  # and a new shortage alerts again


def test_a_holiday_gap_longer_than_the_policy_allows_is_short() -> None:
    before = working_days(date(2026, 12, 1), 16)  # to Dec 22
    after = working_days(date(2027, 1, 7), 60)
    r = runway(before + after, date(2026, 12, 1), 30, Demand.flat(0.5, 0.2), POLICY)
    assert r.working_days >= POLICY.min_working_days
    assert r.reason == "gap"
    assert r.gap is not None and (r.gap.first, r.gap.last) == (date(2026, 12, 23), date(2027, 1, 6))


def test_a_unit_with_plenty_of_times_is_not_short() -> None:
    free = working_days(TODAY, 120, per_day=3)
    r = runway(free, TODAY, 7, Demand.flat(2.0, 0.8), POLICY)
    assert not r.short and r.reason is None and r.gap is None
    assert r.working_days > 100


def test_demand_faster_than_supply_breaks_the_promise_before_the_calendar_ends() -> None:
    free = working_days(TODAY, 60, per_day=3)  # 180 times over 12 weeks
    r = runway(free, TODAY, 30, Demand.flat(6.0, 2.0), POLICY)
    # at 6 a day against 3 a day, the family of working day n waits n working days: 30 days hold about 21
    assert r.last_day == date(2026, 3, 31) and r.working_days == 21
    assert r.low is not None and r.high is not None and r.low < r.last_day < r.high
    assert not r.short


def test_a_first_line_unit_short_of_times_for_its_demand_alerts_though_its_calendar_runs_for_weeks() -> None:
    free = working_days(TODAY, 40, per_day=2)
    r = runway(free, TODAY, 7, Demand.flat(4.0, 1.5), POLICY)
    assert r.last_day == date(2026, 3, 6) and r.short and r.reason == "runway"


def test_no_time_within_the_promise_today_means_no_runway() -> None:
    free = [TODAY + timedelta(days=20)]
    r = runway(free, TODAY, 7, Demand.flat(0.0), POLICY)
    assert r.last_day is None and r.short and r.working_days == 0


def test_times_before_today_do_not_count_and_weekday_pattern_is_used() -> None:
    monday_heavy = Demand((5.0, 0.0, 0.0, 0.0, 0.0), 0.0)
    free = [TODAY - timedelta(days=3)] + working_days(TODAY, 5)  # five times this week
    assert last_day_served(free, TODAY, 7, monday_heavy, 0.0, 60) == TODAY  # Monday takes all five


def test_the_shipped_policy_file_loads() -> None:
    policy = load_policy()
    assert policy.min_working_days == 10 and policy.max_gap_days == 7 and policy.z == 1.64
    assert date(2026, 12, 24) in policy.holidays
