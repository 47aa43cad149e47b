"""Summer planning with BUP: each unit's expected first visits in a chosen period against its free new-visit times,
the gap to fill, from last year's same weeks or the recent rate; JSON and CSV for the weekly KC–BUP meeting."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.booking.domain.reference import load
from services.booking.domain.runway import Demand
from services.booking.domain.summer import last_year_demand, summer_plan
from services.chassis.clock import STOCKHOLM

REF = load()
FIRST, LAST = date(2026, 6, 1), date(2026, 6, 30)  # June: 22 working days less Midsummer Eve (19 June)


def test_last_years_same_weeks_give_the_expected_visits_and_the_times_short_are_the_gap() -> None:
    a_year_ago = datetime(2025, 6, 10, 10, tzinfo=STOCKHOLM)
    decided = [("Sorsele", "primary_care", a_year_ago)] * 4 + [("Sorsele", "primary_care", a_year_ago
                                                                 - timedelta(days=60))]  # outside: not counted
    last_year = last_year_demand(REF, decided, FIRST, LAST)
    assert last_year["hc-sorsele"] == 4.0
    free = {"hc-sorsele": [date(2026, 6, 3), date(2026, 7, 7), date(2026, 7, 8)]}  # the last is beyond 30 June + 7
    rows = summer_plan(REF, FIRST, LAST, free, {}, last_year, [date(2026, 6, 19)])
    first = rows[0]
    assert (first.unit_id, first.expected, first.basis, first.times, first.gap) == ("hc-sorsele", 4.0, "last_year", 2, 2)
    assert first.working_days == 21 and len(rows) == len(REF.units)
    assert all(r.gap == 0 for r in rows[1:])  # nobody else had a family a year ago


def test_without_a_year_of_history_the_recent_rate_is_used_and_plenty_of_times_leave_no_gap() -> None:
    recent = {"hc-sorsele": Demand((1.0, 0.5, 0.5, 0.5, 0.5), 0.3)}
    rows = {r.unit_id: r for r in summer_plan(REF, FIRST, LAST, {"hc-sorsele": [FIRST] * 5}, recent, None)}
    sorsele = rows["hc-sorsele"]
    # five Mondays and seventeen other weekdays (no holidays given): 13.5 visits, 14 times needed, 5 there
    assert sorsele.basis == "recent_weeks" and sorsele.expected == 5 * 1.0 + 17 * 0.5 and sorsele.gap == 14 - 5
    many = summer_plan(REF, FIRST, LAST, {"hc-sorsele": [FIRST] * 40}, recent, None)
    assert all(r.gap == 0 for r in many)


def test_the_meeting_asks_booking_for_a_period_as_json_or_csv(booking) -> None:  # type: ignore[no-untyped-def]
    now = booking.clock.now()
    booking.clock.at = now - timedelta(days=400)  # booking's history reaches more than a year back
    booking.case("C-SUMMEROLDAAAA", municipality="Umeå")
    booking.clock.at = now - timedelta(days=364) + timedelta(days=10)  # decided a year before the period's weeks
    for i in range(3):
        booking.case(f"C-SUMMER{i}AAAAA", municipality="Sorsele")
    booking.clock.at = now
    booking.slot("hc-sorsele", 12)
    today = now.astimezone(STOCKHOLM).date()
    period = {"from": str(today + timedelta(days=7)), "to": str(today + timedelta(days=35))}
    r = booking.call("GET", "/api/meeting/summer", "kc_head", params=period)
    assert r.status_code == 200, r.text
    sorsele = next(u for u in r.json()["units"] if u["unit_id"] == "hc-sorsele")
    assert (sorsele["expected"], sorsele["basis"], sorsele["times"], sorsele["gap"]) == (3.0, "last_year", 1, 2)
    assert r.json()["units"][0]["unit_id"] == "hc-sorsele"  # the largest gap first
    csv = booking.call("GET", "/api/meeting/summer", "kc_head", params={**period, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "unit_id,name,level,working_days,expected,basis,times,gap"
    backwards = booking.call("GET", "/api/meeting/summer", "kc_head", params={"from": period["to"], "to": period["from"]})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["sv"]
    assert booking.call("GET", "/api/meeting/summer", "call_handler", params=period).status_code == 403
