"""Every figure of the KPI table, computed from case and call facts for a query (pure)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from services.kpi.domain.days import days_between, local_date
from services.kpi.domain.definitions import Definitions
from services.kpi.domain.facts import Facts
from services.kpi.domain.periods import age_band, bounds, iso_week, period_of, periods_between
from services.kpi.domain.spans import Span, span_counts, span_of
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView

DIMENSIONS = ("channel", "sex", "age_band", "municipality", "unit")


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    today: date
    grain: str = "month"
    municipality: str | None = None
    unit: str | None = None
    sex: str | None = None
    by: str | None = None

    def period_keys(self) -> list[str]:
        last = min(self.end, self.today)
        return periods_between(self.start, last, self.grain) if self.start <= last else []

    def closed_bounds(self, key: str) -> tuple[date, date]:
        """A period's days, cut at today (a period in progress is reported as of today)."""
        first, last = bounds(key)
        return max(first, self.start), min(last, self.end, self.today)


class Dataset:
    """Case views and call facts for one computation; views are built once."""

    def __init__(self, cases: Iterable[tuple[str, Facts]], calls: Iterable[tuple[str, Facts]],
                 defs: Definitions) -> None:
        self.views = [CaseView(k, f) for k, f in cases]
        self.calls = list(calls)
        self.defs = defs

    def dim_value(self, v: CaseView, dim: str | None, unit: str | None = None) -> str | None:
        if dim is None:
            return None
        if dim == "age_band":
            return age_band(v.age, self.defs.age_bands)
        if dim == "unit":
            return unit or v.unit
        return str(getattr(v, dim))

    def selected(self, q: Query) -> list[CaseView]:
        """Cases passing the municipality and sex filters (the unit filter is per span or event)."""
        out = self.views
        if q.municipality:
            out = [v for v in out if v.municipality == q.municipality]
        if q.sex:
            out = [v for v in out if v.sex == q.sex]
        return out


def _table(figure: str, q: Query, columns: list[str], child: Iterable[str],
           shares: dict[str, tuple[str, str]] | None = None) -> Table:
    return Table(figure, columns, frozenset(child), shares or {}, q.by, periods=q.period_keys())


def measure_figure(ds: Dataset, q: Query, measure_id: str) -> Table:
    """Genomförda (completed in the period, share met) and väntande (waiting at its end) for one clock."""
    m = ds.defs.measures[measure_id]
    cols = ["completed", "met", "guarantee_base", "patient_chosen", "waiting", "waiting_over_limit"]
    t = _table(measure_id, q, cols, cols, {"share_met": ("met", "guarantee_base")})
    for v in ds.selected(q):
        span = span_of(v, m)
        if span is None or (q.unit and span.unit != q.unit):
            continue
        for key in t.periods:
            first, last = q.closed_bounds(key)
            t.add(key, ds.dim_value(v, q.by, span.unit), span_counts(span, m, first, last))
    return t


def spans(ds: Dataset, measure_id: str) -> list[tuple[CaseView, Span]]:
    m = ds.defs.measures[measure_id]
    return [(v, s) for v in ds.views if (s := span_of(v, m)) is not None]


def calls_figure(ds: Dataset, q: Query) -> Table:
    """Phone accessibility: calls offered, answered (and on day 0, callbacks included), queue full."""
    cols = ["offered", "answered", "answered_day0", "queue_full", "abandoned", "callbacks_made"]
    t = _table("calls", q, cols, (), {"share_answered": ("answered", "offered"),
                                      "share_answered_day0": ("answered_day0", "offered")})
    keys = set(t.periods)
    for _, c in ds.calls:
        t0 = c.get("offered") or min(v for k, v in c.items() if k not in ("line", "seen"))
        key = period_of(local_date(t0), q.grain)
        if key not in keys or not q.start <= local_date(t0) <= q.end:
            continue
        reached = min(x for x in (c.get("answered"), c.get("cb_made"), "9999") if x)
        t.add(key, c.get("line") if q.by == "line" else None, {
            "offered": 1, "answered": int(reached != "9999"), "callbacks_made": int("cb_made" in c),
            "answered_day0": int(reached != "9999" and days_between(t0, reached) == 0),
            "queue_full": int("full" in c), "abandoned": int("abandoned" in c)})
    return t


def _in_query(q: Query, ts: str, keys: set[str]) -> str | None:
    day = local_date(ts)
    key = period_of(day, q.grain)
    return key if key in keys and q.start <= day <= min(q.end, q.today) else None


def referrals_figure(ds: Dataset, q: Query) -> Table:
    """Contacts by channel (EDI, paper, phone, partner) and school referrals, per period."""
    cols = ["total", "edi", "paper", "phone", "partner", "school"]
    t = _table("referrals_by_channel", q, cols, cols, {"share_edi": ("edi", "total")})
    keys = set(t.periods)
    for v in ds.selected(q):
        if q.unit and v.unit != q.unit:
            continue
        for contact in v.facts.get("contacts", {}).values():
            key = _in_query(q, contact["at"], keys)
            if key:
                t.add(key, ds.dim_value(v, q.by), {"total": 1, contact["channel"]: 1, "school": int(contact["school"])})
    return t


def triage_figure(ds: Dataset, q: Query) -> Table:
    """The first care-level decision per case (HC, BUP, parent group, signposting), and overrides."""
    cols = ["decided", "primary_care", "bup", "parenting_group", "signposting", "urgent", "overridden"]
    t = _table("triage_split", q, cols, cols, {"share_primary_care": ("primary_care", "decided"),
                                               "share_bup": ("bup", "decided")})
    keys = set(t.periods)
    for v in ds.selected(q):
        if q.unit and v.unit != q.unit:
            continue
        if v.decisions:
            d = v.decisions[0]
            key = _in_query(q, d.at, keys)
            counts = {"decided": 1, d.level: 1, "overridden": int(any(x.overridden for x in v.decisions))}
        elif v.signposted:  # signposted straight from advice, without a care-level decision
            key, counts = _in_query(q, v.signposted, keys), {"decided": 1, "signposting": 1}
        else:
            continue
        if key:
            t.add(key, ds.dim_value(v, q.by), counts)
    return t


def parent_groups_figure(ds: Dataset, q: Query) -> Table:
    """Parent groups by course start: seats, parents, girls/boys, who booked, drop-outs, 2-month follow-up."""
    cols = ["children", "parents", "girls", "boys", "from_contact_centre", "from_health_centre", "dropped_out",
            "still_at_health_centre_2m", "referred_to_bup_2m"]
    t = _table("parent_groups", q, cols, [c for c in cols if c != "parents"],
               {"share_dropped_out": ("dropped_out", "children")})
    groups: dict[str, set[str]] = {}
    keys = set(t.periods)
    follow = timedelta(days=ds.defs.parent_group_follow_up_days)
    for v in ds.selected(q):
        for gid, g in v.facts.get("groups", {}).items():
            if "seat" not in g:
                continue
            seat = g["seat"][2]
            day = date.fromisoformat(seat["starts_on"])
            key = period_of(day, q.grain)
            if key not in keys or (q.unit and seat["unit"] != q.unit) or not q.start <= day <= q.end:
                continue
            groups.setdefault(key, set()).add(gid)
            t.add(key, ds.dim_value(v, q.by, seat["unit"]), {
                "children": 1, "parents": seat["parents"], "girls": int(seat["sex"] == "female"),
                "boys": int(seat["sex"] == "male"), "from_contact_centre": int(seat["from"] == "contact_centre"),
                "from_health_centre": int(seat["from"] == "health_centre"), "dropped_out": int("dropped" in g),
                **_follow_up(v, day, day + follow)})
    if q.by is None:  # a course is not a child: the number of groups has no breakdown
        t.columns.insert(0, "groups")
        for key, ids in groups.items():
            t.add(key, None, {"groups": len(ids)})
    return t


def _follow_up(v: CaseView, start: date, at: date) -> dict[str, int]:
    """Two months after the course start: still seen at a health centre, or decided for BUP."""
    still = any(a.level == "primary_care" and a.happens and local_date(a.starts) >= at for a in v.appointments)
    bup = any(d.level == "bup" and start <= local_date(d.at) <= at for d in v.decisions)
    return {"still_at_health_centre_2m": int(still), "referred_to_bup_2m": int(bup)}


def collaborations_figure(ds: Dataset, q: Query) -> Table:
    """Children with two-level collaboration initiated, by question, intervention or unit when asked."""
    t = _table("collaborations", q, ["children"], ["children"])
    keys = set(t.periods)
    for v in ds.selected(q):
        firsts = sorted(v.facts.get("collabs", {}).values(), key=lambda c: c["at"])
        seen: set[str | None] = set()
        for c in firsts:
            if q.unit and q.unit not in (c["hc"], c["bup"]):
                continue
            key = _in_query(q, c["at"], keys)
            dim = {"question": c["question"], "intervention": c["intervention"], "unit": c["hc"]}.get(q.by or "")
            if key and (key, dim) not in seen:  # a child counts once per period (and breakdown)
                seen.add((key, dim))  # type: ignore[arg-type]
                t.add(key, dim if q.by else None, {"children": 1})
    return t


def no_slots_figure(ds: Dataset, q: Query) -> Table:
    """NoBookableSlots per unit and ISO week (the head of department's follow-up list)."""
    t = Table("no_bookable_slots", ["occasions"], frozenset(), {}, "unit")
    for v in ds.views:
        for ns in v.facts.get("noslots", {}).values():
            day = local_date(ns["at"])
            if not q.start <= day <= min(q.end, q.today):
                continue
            for unit in ns["units"] or ["(none)"]:
                if not q.unit or unit == q.unit:
                    t.add(iso_week(day), unit, {"occasions": 1})
    return t


FIGURES: dict[str, Callable[[Dataset, Query], Table]] = {
    "calls": calls_figure, "referrals_by_channel": referrals_figure, "triage_split": triage_figure,
    "parent_groups": parent_groups_figure, "collaborations": collaborations_figure,
    "no_bookable_slots": no_slots_figure,
}


def compute(ds: Dataset, q: Query, figure: str) -> Table:
    if figure in ds.defs.measures:
        return measure_figure(ds, q, figure)
    return FIGURES[figure](ds, q)
