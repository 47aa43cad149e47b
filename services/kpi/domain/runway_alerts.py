"""Booking's SlotRunwayShort alerts as the KPI reads them, and whether each NoBookableSlots was seen coming (pure).

An alert is about a unit, not a child: it carries no case id and no personal data, only the unit, the day the
forecast was made and what it said. A search without a time at a unit counts as *preceded* when the latest alert
for that unit came before it and at most `LOOKBACK_DAYS` earlier; the lead is the calendar days between them.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.kpi.domain.days import local_date, norm_ts

RUNWAY_EVENT_TYPES = frozenset({"SlotRunwayShort"})
# an alert older than this says nothing about today's shortage (a runway policy looks 10 working days ahead;
# 60 calendar days leaves room for a long gap over a holiday without tying a spring search to a winter alert)
LOOKBACK_DAYS = 60


@dataclass(frozen=True)
class RunwayAlert:
    """One SlotRunwayShort: the unit, when it was told (UTC ISO, compares as text), and what the forecast said."""

    unit: str
    at: str
    reason: str
    last_day: date | None

    @property
    def day(self) -> date:
        return local_date(self.at)


def alert_of(d: dict[str, Any]) -> RunwayAlert | None:
    """The alert in a wire event, or None for any other event type."""
    if d.get("event_type") not in RUNWAY_EVENT_TYPES:
        return None
    p = d["payload"]
    last = p.get("last_day")
    return RunwayAlert(p["unit_id"], norm_ts(d["occurred_at"]), p["reason"], date.fromisoformat(last) if last else None)


class AlertIndex:
    """The alerts per unit in time order, to find the latest one before an instant."""

    def __init__(self, alerts: Iterable[RunwayAlert]) -> None:
        self.by_unit: dict[str, list[RunwayAlert]] = {}
        for a in sorted(set(alerts), key=lambda a: a.at):
            self.by_unit.setdefault(a.unit, []).append(a)

    def lead_days(self, unit: str, at: str) -> int | None:
        """Days from the latest alert for `unit` strictly before `at` to `at`; None when none came in time."""
        told = self.by_unit.get(unit, [])
        i = bisect_left([a.at for a in told], at)
        if i == 0:
            return None
        days = (local_date(at) - told[i - 1].day).days
        return days if days <= LOOKBACK_DAYS else None
