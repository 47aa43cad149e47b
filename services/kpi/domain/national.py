"""The national monthly waiting-times report, shaped as the region submits it (pure).

DOMAIN.md, "Counting bases and national reporting": each month, per phase, *completed* (genomförda: the
wait ended in the month) and *waiting* (väntande: still waiting at the month's end), split at the limit
(BUP: <= 30 days and >= 31 days), with patient-chosen (PvV), medically caused (MoV) and special-reason (SoV)
waits excluded from the split and counted apart; by sex and age band. First line: the medical assessment
within 3 days and phone calls answered the same day. The field mapping is in docs/national-report.md.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.kpi.domain.days import days_between, local_date
from services.kpi.domain.periods import age_band, bounds
from services.kpi.domain.query import Dataset
from services.kpi.domain.spans import span_of
from services.kpi.domain.views import CaseView

COLUMNS = ["month", "area", "phase", "sex", "age_band", "limit_days",
           "completed", "completed_within_limit", "completed_over_limit", "completed_pvv", "completed_mov",
           "completed_sov", "waiting", "waiting_within_limit", "waiting_over_limit", "waiting_pvv", "waiting_mov",
           "waiting_sov", "calls_offered", "calls_answered_day0", "calls_queue_full"]
# phase -> (area, limit in days); the BUP stages' 30 days are the national target for each stage
PHASES = {"medical_assessment_3d": ("first_line", 3), "phone_answered_day0": ("first_line", 0),
          "bup_first_assessment": ("bup", 30), "bup_investigation": ("bup", 30), "bup_treatment": ("bup", 30)}
ALL = "all"


@dataclass(frozen=True)
class Wait:
    """One clock of one child for the report: started, ended (or not), excluded (or not)."""
    start: str
    end: str | None
    stop: str | None  # closed or signposted without the clock ending
    exclusion: str | None  # "pvv", "mov", "sov"
    excluded_at: str | None  # for a waiting child: counts from this day on


def _waits(v: CaseView, phase: str, ds: Dataset) -> Iterator[Wait]:
    stop = v.ended_at()
    if phase == "medical_assessment_3d":
        if v.clock:
            yield Wait(v.clock, v.assessed, stop, None, None)
    elif phase == "bup_first_assessment":
        span = span_of(v, ds.defs.measures["bup_first_visit_30d"])
        if span is not None:  # PvV: the family declined an earlier time when the later one was booked
            visit = v.first_visit("bup") if span.chosen else None
            yield Wait(span.start, span.end, stop, "pvv" if visit else None, visit.booked_at if visit else None)
    else:
        st = v.facts.get("stages", {}).get(phase.removeprefix("bup_"))
        if st and st.get("decided"):
            excl = st.get("excl")
            yield Wait(st["decided"], st.get("started"), stop, excl[1] if excl else None, excl[0] if excl else None)


def _count(w: Wait, limit: int, first: date, last: date) -> dict[str, int]:
    out: dict[str, int] = {}
    if w.end is not None and first <= local_date(w.end) <= last:
        out["completed"] = 1
        if w.exclusion:
            out[f"completed_{w.exclusion}"] = 1
        else:
            out["completed_within_limit" if days_between(w.start, w.end) <= limit else "completed_over_limit"] = 1
        return out
    started = local_date(w.start)
    ended = w.end is not None and local_date(w.end) <= last
    stopped = w.stop is not None and local_date(w.stop) <= last
    if started <= last and not ended and not stopped:
        out["waiting"] = 1
        if w.exclusion and w.excluded_at and local_date(w.excluded_at) <= last:
            out[f"waiting_{w.exclusion}"] = 1
        else:
            out["waiting_within_limit" if (last - started).days <= limit else "waiting_over_limit"] = 1
    return out


def national_report(ds: Dataset, month: str) -> list[dict[str, Any]]:
    """Rows for one month (YYYY-MM): per phase a total row (sex and age 'all'), then one per sex and age band."""
    first, last = bounds(month)
    rows: list[dict[str, Any]] = []
    for phase, (area, limit) in PHASES.items():
        if phase == "phone_answered_day0":
            rows.append(_phone_row(ds, month, first, last))
            continue
        cells: dict[tuple[str, str], Counter[str]] = {(ALL, ALL): Counter()}
        for v in ds.views:
            if not v.known:
                continue
            for w in _waits(v, phase, ds):
                c = _count(w, limit, first, last)
                if c:
                    band = age_band(v.age, ds.defs.age_bands) or "unknown"
                    cells[(ALL, ALL)].update(c)
                    cells.setdefault((v.sex or "unknown", band), Counter()).update(c)
        for (sex, band), c in sorted(cells.items(), key=lambda kv: (kv[0] != (ALL, ALL), kv[0])):
            rows.append({"month": month, "area": area, "phase": phase, "sex": sex, "age_band": band,
                         "limit_days": limit, **{k: c.get(k, 0) for k in COLUMNS[6:18]},
                         "calls_offered": None, "calls_answered_day0": None, "calls_queue_full": None})
    return rows


def _phone_row(ds: Dataset, month: str, first: date, last: date) -> dict[str, Any]:
    """Calls answered (or called back) the same day; queue-full calls beside, not offered."""
    offered = day0 = full = 0
    for _, c in ds.calls:
        t0 = c.get("offered") or min(v for k, v in c.items() if k not in ("line", "seen"))
        if not first <= local_date(t0) <= last:
            continue
        if "full" in c and not ds.defs.offered_includes_queue_full:
            full += 1
            continue
        offered += 1
        full += int("full" in c)
        reached = min((x for x in (c.get("answered"), c.get("cb_made")) if x), default=None)
        day0 += int(reached is not None and days_between(t0, reached) == 0)
    return {"month": month, "area": "first_line", "phase": "phone_answered_day0", "sex": ALL, "age_band": ALL,
            "limit_days": 0, **{k: None for k in COLUMNS[6:18]}, "calls_offered": offered,
            "calls_answered_day0": day0, "calls_queue_full": full}


def national_csv(rows: list[dict[str, Any]]) -> str:
    """The submission file: one header line, then the rows; a field that does not apply to a phase is empty."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r[k] is None else r[k] for k in COLUMNS})
    return buf.getvalue()


def month_key(value: str) -> str | None:
    """YYYY-MM if `value` is a real month, else None."""
    try:
        y, m = value.split("-")
        if len(y) == 4 and len(m) == 2 and 2000 <= int(y) <= 2100 and 1 <= int(m) <= 12:
            return value
    except ValueError:
        pass
    return None
