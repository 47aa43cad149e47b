"""Every figure of the KPI table, computed from case and call facts for a query (pure)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.kpi.domain.callback_figures import callbacks_figure
from services.kpi.domain.care_figures import collaborations_figure, no_slots_figure, parent_groups_figure
from services.kpi.domain.contact_figures import checkins_figure, interpreters_figure, returned_figure
from services.kpi.domain.days import days_between, local_date
from services.kpi.domain.facts import Facts
from services.kpi.domain.merge import CALL_STEP_KEYS
from services.kpi.domain.periods import period_of
from services.kpi.domain.query import DIMENSIONS, Dataset, Query, in_query, new_table
from services.kpi.domain.runway_figures import runway_alerts_figure
from services.kpi.domain.school_figures import school_referrals_figure
from services.kpi.domain.spans import Span, span_of, span_rows
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView
from services.kpi.domain.window import call_start

__all__ = ["DIMENSIONS", "FIGURES", "Dataset", "Query", "compute", "measure_figure", "spans"]


MEASURE_COLUMNS = ["completed", "met", "guarantee_base", "patient_chosen", "started", "cohort_met", "cohort_base",
                   "cohort_pending", "cohort_patient_chosen", "cohort_stopped", "waiting", "waiting_over_limit"]
SHARE_OF_BASIS = {"completed": "share_met", "cohort": "share_met_cohort"}


def measure_figure(ds: Dataset, q: Query, measure_id: str) -> Table:
    """One clock read both ways: genomförda (ended in the period: `completed`, `met`, `share_met`), contact
    cohort (started in the period: `started`, `cohort_met`, `share_met_cohort`) and väntande (waiting at its end)."""
    m = ds.defs.measures[measure_id]
    cols = MEASURE_COLUMNS
    t = new_table(measure_id, q, cols, cols, {"share_met": ("met", "guarantee_base"),
                                              "share_met_cohort": ("cohort_met", "cohort_base")})
    periods = [(key, *q.closed_bounds(key)) for key in t.periods]
    for v in ds.selected(q):
        span = span_of(v, m)
        if span is None or (q.unit and span.unit != q.unit):
            continue
        for key, counts in span_rows(span, m, periods, q.today):
            t.add(key, ds.dim_value(v, q.by, span.unit), counts)
    return t


def spans(ds: Dataset, measure_id: str) -> list[tuple[CaseView, Span]]:
    m = ds.defs.measures[measure_id]
    return [(v, s) for v in ds.views if (s := span_of(v, m)) is not None]


def calls_figure(ds: Dataset, q: Query) -> Table:
    """Phone accessibility: calls offered, answered (and on day 0, callbacks included), queue full beside.

    A call turned away by a full queue is not an offered call (the published figures' reading) unless
    the definitions file says `offered_includes_queue_full: true`.
    """
    t = new_table("calls", q, CALL_COLUMNS, (), {"share_answered": ("answered", "offered"),
                                                 "share_answered_day0": ("answered_day0", "offered")})
    keys = set(t.periods)
    for _, c in ds.calls:
        counted = call_counts(c, ds.defs.offered_includes_queue_full)
        if counted is None:
            continue  # a 'Kontakta oss' call-back: no call was made to the platform
        t0, counts = counted
        key = period_of(local_date(t0), q.grain)
        if key not in keys or not q.start <= local_date(t0) <= q.end:
            continue
        t.add(key, c.get("line") if q.by == "line" else None, counts)
    return t


CALL_COLUMNS = ["offered", "answered", "answered_day0", "queue_full", "abandoned", "callbacks_made"]


def call_counts(c: Facts, full_offered: bool) -> tuple[str, dict[str, int]] | None:
    """When a call counts (its first step) and what it adds to the phone figure; None for a 'Kontakta oss'
    call-back, which made no call to the platform."""
    if not any(c.get(k) for k in CALL_STEP_KEYS):
        return None
    t0 = call_start(c)
    assert t0 is not None  # a call with a step has a start
    if "full" in c and not full_offered:
        return t0, {"queue_full": 1}
    reached = min(x for x in (c.get("answered"), c.get("cb_made"), "9999") if x)
    return t0, {"offered": 1, "answered": int(reached != "9999"), "callbacks_made": int("cb_made" in c),
                "answered_day0": int(reached != "9999" and days_between(t0, reached) == 0),
                "queue_full": int("full" in c), "abandoned": int("abandoned" in c)}


def referrals_figure(ds: Dataset, q: Query) -> Table:
    """Contacts by channel (EDI, paper, phone, partner, the schools' digital form) and school referrals, per period."""
    cols = ["total", "edi", "paper", "phone", "partner", "school_form", "school"]
    t = new_table("referrals_by_channel", q, cols, cols, {"share_edi": ("edi", "total")})
    keys = set(t.periods)
    for v in ds.selected(q):
        if q.unit and v.unit != q.unit:
            continue
        for contact in v.facts.get("contacts", {}).values():
            key = in_query(q, contact["at"], keys)
            if key:
                t.add(key, ds.dim_value(v, q.by), contact_counts(contact))
    return t


def contact_counts(contact: dict[str, Any]) -> dict[str, int]:
    """What one contact adds to the referrals by channel."""
    return {"total": 1, contact["channel"]: 1, "school": int(contact["school"])}


def triage_figure(ds: Dataset, q: Query) -> Table:
    """The first care-level decision per case (HC, BUP, parent group, signposting), and overrides."""
    cols = ["decided", "primary_care", "bup", "parenting_group", "signposting", "urgent", "overridden"]
    t = new_table("triage_split", q, cols, cols, {"share_primary_care": ("primary_care", "decided"),
                                               "share_bup": ("bup", "decided")})
    keys = set(t.periods)
    for v in ds.selected(q):
        if q.unit and v.unit != q.unit:
            continue
        decided = triage_counts(v)
        key = in_query(q, decided[0], keys) if decided else None
        if decided and key:
            t.add(key, ds.dim_value(v, q.by), decided[1])
    return t


def triage_counts(v: CaseView) -> tuple[str, dict[str, int]] | None:
    """When the case's first care-level decision was made and what it adds to the triage split."""
    if v.decisions:
        d = v.decisions[0]
        return d.at, {"decided": 1, d.level: 1, "overridden": int(any(x.overridden for x in v.decisions))}
    if v.signposted:  # signposted straight from advice, without a care-level decision
        return v.signposted, {"decided": 1, "signposting": 1}
    return None


FIGURES: dict[str, Callable[[Dataset, Query], Table]] = {
    "calls": calls_figure, "referrals_by_channel": referrals_figure, "triage_split": triage_figure,
    "parent_groups": parent_groups_figure, "collaborations": collaborations_figure,
    "no_bookable_slots": no_slots_figure, "school_referrals": school_referrals_figure,
    "callbacks": callbacks_figure,
    "runway_alerts": runway_alerts_figure,
    "interpreters": interpreters_figure, "returned_referrals": returned_figure, "checkins": checkins_figure,
}


def compute(ds: Dataset, q: Query, figure: str) -> Table:
    if figure in ds.defs.measures:
        return measure_figure(ds, q, figure)
    return FIGURES[figure](ds, q)
