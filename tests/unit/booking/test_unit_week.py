"""A unit's week: per day the times by state, counted by the database on Stockholm's days, and one day's times
(the day asked for, else today or the first day with times)."""
from __future__ import annotations

from typing import Any

from sqlmodel import col, update

from services.booking.store import Slot

UNIT = "hc-teg"  # the fixture's clock: Monday 2 March 2026, 09:00 in Stockholm


def _week(booking: Any, **params: str) -> dict[str, Any]:
    r = booking.call("GET", f"/api/units/{UNIT}/week", "scheduler", unit=UNIT, params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_week_counts_each_days_times_by_state_and_lists_one_day(booking) -> None:  # type: ignore[no-untyped-def]
    monday = booking.slot(UNIT, 0.1)
    tuesday = [booking.slot(UNIT, 1 + h / 24) for h in (0, 1, 2)]
    sunday_night = booking.slot(UNIT, 6 + 14.5 / 24)  # 23:30 on Sunday, Stockholm: still this week
    booking.slot(UNIT, 7 + 1 / 24)  # next Monday: not this week
    with booking.rt.db.uow() as uow:
        uow.session.exec(update(Slot).where(col(Slot.slot_id) == tuesday[0]["slot_id"]).values(state="booked"))
        uow.session.exec(update(Slot).where(col(Slot.slot_id) == tuesday[1]["slot_id"]).values(state="held"))
        uow.commit()
    week = _week(booking, from_date="2026-03-04")  # any day of the week asks for the week from its Monday
    assert week["from_date"] == "2026-03-02" and [d["date"] for d in week["days"]][::6] == ["2026-03-02", "2026-03-08"]
    assert [(d["free"], d["held"], d["booked"]) for d in week["days"]] == [
        (1, 0, 0), (1, 1, 1), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (1, 0, 0)]
    assert week["day"] == "2026-03-02" and [s["slot_id"] for s in week["slots"]] == [monday["slot_id"]]
    tue = _week(booking, from_date="2026-03-02", day="2026-03-03")
    assert tue["day"] == "2026-03-03" and [s["slot_id"] for s in tue["slots"]] == [s["slot_id"] for s in tuesday]
    assert [s["state"] for s in tue["slots"]] == ["booked", "held", "free"]
    sun = _week(booking, from_date="2026-03-02", day="2026-03-08")
    assert [s["slot_id"] for s in sun["slots"]] == [sunday_night["slot_id"]]
    # a day outside the week: the default day; a week without today's times: its first day with times
    assert _week(booking, from_date="2026-03-02", day="2026-04-01")["day"] == "2026-03-02"
    assert _week(booking, from_date="2026-03-09")["day"] == "2026-03-09"
    assert _week(booking, from_date="2026-03-16")["slots"] == []


def test_a_week_with_no_time_today_opens_on_its_next_day_with_times(booking) -> None:  # type: ignore[no-untyped-def]
    booking.slot(UNIT, 2)
    assert _week(booking)["day"] == "2026-03-04"
