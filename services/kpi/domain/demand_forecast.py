"""The expected care-level decisions to bookable levels per municipality and day for the coming weeks (pure), from
the KPI projection's history: the region's decisions per level fitted with the referral forecast's weekday and
month-of-year Poisson model, shared over the municipalities by their part of the history; docs/forecast.md."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from services.kpi.domain.days import local_date
from services.kpi.domain.referral_forecast import RECENT_DAYS, YEAR, fit_channel
from services.kpi.domain.views import CaseView

Level = Literal["primary_care", "bup", "urgent"]
LEVELS: tuple[Level, ...] = ("primary_care", "bup", "urgent")  # the levels booked into a unit's first-visit times
Method = Literal["seasonal", "recent_weeks"]


@dataclass(frozen=True)
class DecisionHistory:
    """Cases per day by the day of their (latest) decision to a bookable level, per municipality and level."""

    first: date
    last: date
    counts: dict[tuple[str, str], list[int]]  # (municipality, level) -> one count per day from first to last

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Cell:
    municipality: str
    level: Level
    expected: list[float]
    low: list[float]
    high: list[float]


def decision_history(views: Iterable[CaseView], first: date, last: date) -> DecisionHistory:
    """Each case once, on the day it was decided to the level it holds now, as booking counts its own history."""
    n = (last - first).days + 1
    counts: dict[tuple[str, str], list[int]] = {}
    for v in views:
        level = v.current_level
        if not v.known or v.municipality is None or level not in LEVELS:
            continue
        decided = v.decided_to(level)
        day = local_date(decided.at) if decided else None
        if day is not None and first <= day <= last:
            counts.setdefault((v.municipality, level), [0] * n)[(day - first).days] += 1
    return DecisionHistory(first, last, counts)


def method_of(history: DecisionHistory) -> Method:
    return "seasonal" if history.length >= YEAR else "recent_weeks"


def demand_forecast(history: DecisionHistory, start: date, days: int, z: float = 1.64) -> list[Cell]:
    """Per level the region's daily decisions fitted (weekday, and month given a year of history; else the last
    eight weeks), times each municipality's share of that level over the same window. A Poisson model with a
    municipality effect besides weekday and month fits exactly this: its fitted margins are the observed ones."""
    horizon = [start + timedelta(days=i) for i in range(days)]
    window = history.length if history.length >= YEAR else RECENT_DAYS
    cells = []
    for level in LEVELS:
        mine = {m: c for (m, lvl), c in history.counts.items() if lvl == level}
        region = [sum(day) for day in zip(*mine.values(), strict=True)] if mine else []
        total = sum(region[-window:])
        if not total:
            continue
        means = fit_channel(region, history.first, horizon)
        for municipality, series in sorted(mine.items()):
            share = sum(series[-window:]) / total
            if share:
                cells.append(_cell(municipality, level, [m * share for m in means], z))
    return cells


def _cell(municipality: str, level: Level, means: list[float], z: float) -> Cell:
    return Cell(municipality, level, [round(m, 4) for m in means],
                [round(max(0.0, m - z * math.sqrt(m)), 4) for m in means],
                [round(m + z * math.sqrt(m), 4) for m in means])
