"""Booking's runway on the service: the nightly forecast tells a short unit once per episode; the routes answer it."""
from __future__ import annotations

from datetime import timedelta

from services.booking.nightly import run_once, seconds_to_night
from services.chassis.clock import STOCKHOLM


def _nine_working_days_of_times(booking, unit_id: str) -> None:  # type: ignore[no-untyped-def]
    day, made = booking.clock.now(), 0
    while made < 9:
        day += timedelta(days=1)
        if day.astimezone(STOCKHOLM).weekday() < 5:
            booking.slot(unit_id, (day - booking.clock.now()).total_seconds() / 86400)
            made += 1


def test_a_short_unit_is_told_once_per_episode_and_again_after_it_recovers(booking) -> None:  # type: ignore[no-untyped-def]
    _nine_working_days_of_times(booking, "hc-sorsele")
    deps = booking.app.state.deps
    assert "hc-sorsele" in run_once(booking.rt.db, deps)
    assert "hc-sorsele" not in run_once(booking.rt.db, deps)  # the same night again, or the next: told already
    [event] = [e for e in booking.events("SlotRunwayShort") if e["payload"]["unit_id"] == "hc-sorsele"]
    p = event["payload"]
    assert event["case_id"] is None and p["reason"] == "runway" and p["head_of_unit_refs"] == ["S-HEAD-SORSELE"]
    assert p["working_days"] == 9 and p["last_day"] is not None
    assert ("SlotRunwayShort", "hc-sorsele") in booking.outbox()  # keyed by the unit
    for d in range(12, 80):  # plenty of times: the episode closes ...
        booking.slot("hc-sorsele", d + 0.01)
    assert "hc-sorsele" not in run_once(booking.rt.db, deps)
    booking.clock.at = booking.clock.now() + timedelta(days=120)  # ... and when they run out, it is told again
    assert "hc-sorsele" in run_once(booking.rt.db, deps)


def test_the_units_runway_for_its_head_and_every_unit_for_the_board(booking) -> None:  # type: ignore[no-untyped-def]
    _nine_working_days_of_times(booking, "hc-sorsele")
    mine = booking.call("GET", "/api/units/hc-sorsele/runway", "unit_head", unit="hc-sorsele")
    assert mine.status_code == 200, mine.text
    assert mine.json()["short"] is True and mine.json()["working_days"] == 9
    other = booking.call("GET", "/api/units/hc-teg/runway", "unit_head", unit="hc-sorsele")
    assert other.status_code == 403
    assert booking.call("GET", "/api/units/hc-nowhere/runway", "kc_head").status_code == 404
    board = booking.call("GET", "/api/runway", "coordinator")
    assert board.status_code == 200 and len(board.json()["units"]) == 43
    assert booking.call("GET", "/api/runway", "unit_head", unit="hc-sorsele").status_code == 403


def test_the_next_night_is_at_two_swedish_time(booking) -> None:  # type: ignore[no-untyped-def]
    now = booking.clock.now()
    at = now + timedelta(seconds=seconds_to_night(now))
    assert (at.astimezone(STOCKHOLM).hour, at.astimezone(STOCKHOLM).minute) == (2, 0)
    assert 0 < seconds_to_night(now) <= 86400
