"""The demo's supply: each unit's scheduler imports its times month by month, parent groups are set up."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kontakt.demo_core import GROUP_MONTHS, SCARCE_UNIT, SUPPLY_SEASON, DemoCore


class Supply(DemoCore):
    """Times and groups as the units' schedulers put them in."""

    def profession_of(self, unit_id: str) -> str:
        unit = next((u for u in self.units if u["unit_id"] == unit_id), None)
        professions: list[str] = (unit or {}).get("professions", ["psychologist"])
        return professions[0]

    def schedules(self, start: date, until: date, times_from: date) -> None:
        """Each unit's scheduler imports its new-visit times from `times_from` to `until` (Sorsele none; fewer in
        the summer); parent groups are set up to start in the month that begins on `start`."""
        self.units = self.units or self.j.units()
        for unit in self.units:
            if unit["unit_id"] == SCARCE_UNIT:
                continue
            rows = self.slot_rows(unit, times_from, until)
            if rows:
                try:
                    self.fig.count("slots_imported", self.j.import_slots(unit["unit_id"], rows)["created"])
                except RuntimeError as exc:  # a refused file is reported; the year goes on
                    self.fig.failed.append(f"slots {unit['unit_id']}: {str(exc)[:200]}")
        if start.month in GROUP_MONTHS:
            first_line = [u for u in self.units if u.get("level") == "first_line"]
            for i, kind in enumerate(self.course_kinds()):
                for week in (1, 3):
                    unit = self.rng.choice(first_line)
                    self.j.add_group(unit["unit_id"], kind, start + timedelta(days=7 * week + i), seats=12, digital=True)

    def runway_night(self) -> None:
        """The night's runway forecast (booking runs it at two; the demo's clock jumps, so the demo asks for it)."""
        self.fig.count("runway_told", len(self.j.runway_night()))

    def demand_night(self) -> None:
        """The KPI's demand forecast for the runway (kpi publishes it each night at 01:30; the demo asks weekly: it
        stays fresh for booking a week, and four weeks of history are needed before there is one)."""
        self.fig.count("demand_forecasts", int(self.j.demand_forecast()))

    def slot_rows(self, unit: dict[str, Any], start: date, until: date) -> list[dict[str, Any]]:
        """A unit's new-visit times on weekdays: per week 6 at BUP, 2 at a health centre, times the month's supply."""
        per_week = 6 if unit.get("level") == "specialist" else 2
        taken: set[tuple[date, float]] = set()
        rows = []
        monday = start - timedelta(days=start.weekday())
        for week in range((until - monday).days // 7 + 1):
            for k in range(per_week):
                day = monday + timedelta(days=7 * week + self.rng.randint(0, 4))
                if not start <= day <= until or self.rng.random() > SUPPLY_SEASON.get(day.month, 1.0):
                    continue
                hour = 8 + (k % 4) * 2 + self.rng.choice([0, 0.75])
                if (day, hour) in taken or any(d == day and abs(h - hour) < 1 for d, h in taken):
                    continue  # the scheduler would not put two times on top of each other
                taken.add((day, hour))
                rows.append({"starts_at": self.at(day, hour),
                             "profession": self.rng.choice(unit.get("professions") or ["psychologist"]),
                             "digital": bool(unit.get("digital_visits")) and self.rng.random() < 0.2})
        return rows

    def course_kinds(self) -> list[str]:
        return ["parenting_3_12", "parenting_adhd", "parenting_anxiety", "parenting_teens_pilot"]
