"""School referrals by channel: paper against the schools' digital form, and the 3-day promise of each (pure).

The region's own slides name the paper channel's loss: a paper referral's clock starts on the date written,
and the days in the post count against the promise. The digital form starts the clock at submission. Read
by contact cohort (the school referrals whose clock started in the period), as the region reads the promise.
"""
from __future__ import annotations

from services.kpi.domain.query import Dataset, Query, new_table
from services.kpi.domain.spans import cohort_counts, span_of
from services.kpi.domain.table import Table

SCHOOL_CHANNELS = {"paper": "paper", "school_form": "digital"}
COLUMNS = ["total", "paper", "paper_met", "paper_base", "paper_pending", "digital", "digital_met", "digital_base",
           "digital_pending"]


def school_referrals_figure(ds: Dataset, q: Query) -> Table:
    """Cases opened by a school's referral, per period of their clock start: how many came on paper and how
    many through the form, and the share of each assessed within 3 days (pending ones left out until decided)."""
    m = ds.defs.measures["assessment_3d"]
    t = new_table("school_referrals", q, COLUMNS, COLUMNS, {
        "share_met_paper": ("paper_met", "paper_base"), "share_met_digital": ("digital_met", "digital_base"),
        "share_digital": ("digital", "total")})
    periods = [(key, *q.closed_bounds(key)) for key in t.periods]
    for v in ds.selected(q):
        prefix = SCHOOL_CHANNELS.get(v.channel or "")
        if not v.school or prefix is None or (q.unit and v.unit != q.unit):
            continue
        span = span_of(v, m)
        if span is None:
            continue
        for key, first, last in periods:
            c = cohort_counts(span, m, first, last, q.today)
            if c:
                t.add(key, ds.dim_value(v, q.by), school_counts(prefix, c))
                break
    return t


def school_counts(prefix: str, cohort: dict[str, int]) -> dict[str, int]:
    """What a school referral adds, from its 3-day clock's contact-cohort reading (`spans.cohort_counts`)."""
    return {prefix: 1, "total": 1, f"{prefix}_met": cohort.get("cohort_met", 0),
            f"{prefix}_base": cohort.get("cohort_base", 0), f"{prefix}_pending": cohort.get("cohort_pending", 0)}
