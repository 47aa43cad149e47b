"""Reporting periods (month, quarter, year) over Swedish calendar days."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

Grain = Literal["day", "month", "quarter", "year"]
GRAINS = ("day", "month", "quarter", "year")


def period_of(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def _first_month(key: str) -> tuple[int, int, int]:
    """(year, first month, number of months) of a period key."""
    if "-Q" in key:
        y, q = key.split("-Q")
        return int(y), (int(q) - 1) * 3 + 1, 3
    if "-" in key:
        y, m = key.split("-")
        return int(y), int(m), 1
    return int(key), 1, 12


def bounds(key: str) -> tuple[date, date]:
    """First and last day of a period."""
    if key.count("-") == 2:  # a day
        day = date.fromisoformat(key)
        return day, day
    year, month, n = _first_month(key)
    first = date(year, month, 1)
    end_month = month + n
    nxt = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def periods_between(start: date, end: date, grain: str) -> list[str]:
    """Every period from the one holding `start` to the one holding `end`, in order."""
    keys: list[str] = []
    day = start
    while day <= end:
        key = period_of(day, grain)
        keys.append(key)
        day = bounds(key)[1] + timedelta(days=1)
    return keys


def iso_week(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def age_band(age: int | None, bands: list[tuple[int, int]]) -> str | None:
    if age is None:
        return None
    for lo, hi in bands:
        if lo <= age <= hi:
            return f"{lo}-{hi}"
    return "other"
