"""A unit's week as a scheduler reads it: per day the count of free, held and booked times (counted by the
database), and the times of one chosen day; a week of 500 times is not read row by row to draw seven counts."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from services.booking.store import Slot, unit_slots
from services.chassis.clock import STOCKHOLM

STATES = ("free", "held", "booked")


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def day_counts(s: Session, unit_id: str, monday: date) -> list[dict[str, Any]]:
    """Seven days from `monday`: each day's times by state, one grouped query (Stockholm's days, DST included)."""
    ends = [midnight(monday + timedelta(days=i + 1)) for i in range(7)]
    at = col(Slot.starts_at)
    day = case(*[(at < end, i) for i, end in enumerate(ends)], else_=7)
    q = (select(day, Slot.state, func.count()).where(col(Slot.unit_id) == unit_id, at >= midnight(monday),
                                                     at < ends[-1]).group_by(day, Slot.state))
    days = [{"date": (monday + timedelta(days=i)).isoformat(), **dict.fromkeys(STATES, 0)} for i in range(7)]
    for i, state, n in s.exec(q):
        if 0 <= int(i) < 7 and state in STATES:
            days[int(i)][str(state)] = int(n)
    return days


def chosen_day(days: list[dict[str, Any]], asked: date | None, today: date) -> date:
    """The day asked for if it is in the week; else today if the week holds it and it has times, else the first
    day with times from today on, then from the week's start; else today (or the week's first day)."""
    dates = [date.fromisoformat(d["date"]) for d in days]
    if asked in dates:
        return asked
    with_times = [d for d, c in zip(dates, days, strict=True) if any(c[k] for k in STATES)]
    return next((d for d in with_times if d >= today), with_times[0] if with_times else
                today if today in dates else dates[0])


def week(s: Session, unit_id: str, monday: date, asked: date | None, today: date) -> dict[str, Any]:
    days = day_counts(s, unit_id, monday)
    day = chosen_day(days, asked, today)
    return {"from_date": monday.isoformat(), "days": days, "day": day.isoformat(),
            "slots": unit_slots(s, unit_id, midnight(day), midnight(day + timedelta(days=1)))}
