"""The referral forecast against the staffing plan as rows for the API: JSON for the screen, CSV for export (pure)."""
from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta
from typing import Any

from services.kpi.domain.intake_history import CHANNELS, IntakeHistory
from services.kpi.domain.referral_forecast import forecast
from services.kpi.domain.staffing import PlanDay, StaffingPlan, against_plan

Z = 1.64  # the band: about 90 % of days inside
COLUMNS = ["day", "weekday", *CHANNELS, "total", "total_low", "total_high", "hours_needed", "hours_planned",
           "hours_short", "late_on_arrival", "misses_promise"]


def forecast_days(history: IntakeHistory, start: date, weeks: int, plan: StaffingPlan,
                  promise_days: int) -> list[PlanDay]:
    expected = forecast(history.counts, history.first, start, 7 * weeks, Z)
    return against_plan(expected, start, plan, promise_days, history.share_interviewed, history.delay)


def row_of(d: PlanDay) -> dict[str, Any]:
    total = sum(e.mean for e in d.expected.values())
    return {"day": d.day.isoformat(), "weekday": d.day.isoweekday(),
            **{c: round(d.expected[c].mean, 2) for c in CHANNELS},
            "total": round(total, 2), "total_low": round(max(0.0, total - Z * math.sqrt(total)), 2),
            "total_high": round(total + Z * math.sqrt(total), 2), "hours_needed": round(d.hours_needed, 2),
            "hours_planned": d.hours_planned, "hours_short": d.hours_short, "late_on_arrival": d.late_on_arrival,
            "misses_promise": d.misses_promise}


def forecast_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def history_window(today: date, data_from: date | None, years: int = 2) -> tuple[date, date]:
    """Up to `years` of whole days before today (today is not over yet), from the first day with data."""
    last = today - timedelta(days=1)
    first = today - timedelta(days=365 * years)
    return (max(first, data_from) if data_from else first), last
