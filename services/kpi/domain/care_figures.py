"""Parent groups, two-level collaborations and gaps in supply, per period (pure)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.kpi.domain.days import local_date
from services.kpi.domain.facts import EVALUATION_SCALES
from services.kpi.domain.periods import iso_week, period_of
from services.kpi.domain.query import Dataset, Query, in_query, new_table
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView

PARENT_GROUP_COLUMNS = [
    "children", "parents", "girls", "boys", "from_contact_centre", "from_health_centre", "dropped_out",
    "still_at_health_centre_2m", "referred_to_bup_2m", "evaluated",
    *(f"{scale}_{answer}" for scale, answers in EVALUATION_SCALES.items() for answer in answers)]


def parent_groups_figure(ds: Dataset, q: Query) -> Table:
    """Parent groups by course start: seats, parents, girls/boys, who booked, drop-outs, 2-month follow-up."""
    cols = list(PARENT_GROUP_COLUMNS)
    t = new_table("parent_groups", q, cols, [c for c in cols if c != "parents"],
               {"share_dropped_out": ("dropped_out", "children")})
    groups: dict[str, set[str]] = {}
    keys = set(t.periods)
    follow = timedelta(days=ds.defs.parent_group_follow_up_days)
    for v in ds.selected(q):
        for gid, g in v.facts.get("groups", {}).items():
            seat = seat_counts(v, g, follow)
            if seat is None:
                continue
            day, unit, counts = seat
            key = period_of(day, q.grain)
            if key not in keys or (q.unit and unit != q.unit) or not q.start <= day <= q.end:
                continue
            groups.setdefault(key, set()).add(gid)
            t.add(key, ds.dim_value(v, q.by, unit), counts)
    if q.by is None:  # a course is not a child: the number of groups has no breakdown
        add_groups(t, groups)
    return t


def add_groups(t: Table, groups: dict[str, set[str]]) -> None:
    """The number of courses per period, as the table's first column."""
    t.columns.insert(0, "groups")
    for key, ids in groups.items():
        t.add(key, None, {"groups": len(ids)})


def seat_counts(v: CaseView, g: dict[str, Any], follow: timedelta) -> tuple[date, str, dict[str, int]] | None:
    """A child's seat in a course: the course's start, the seat's unit and what it adds to the parent groups."""
    if "seat" not in g:
        return None
    seat = g["seat"][2]
    day = date.fromisoformat(seat["starts_on"])
    return day, seat["unit"], {
        "children": 1, "parents": seat["parents"], "girls": int(seat["sex"] == "female"),
        "boys": int(seat["sex"] == "male"), "from_contact_centre": int(seat["from"] == "contact_centre"),
        "from_health_centre": int(seat["from"] == "health_centre"), "dropped_out": int("dropped" in g),
        **_follow_up(v, day, day + follow), **_evaluation(g)}


def _evaluation(g: dict[str, Any]) -> dict[str, int]:
    """The family's answers on the four scales, one count per answer given."""
    if "evaluation" not in g:
        return {}
    answers = g["evaluation"][2]
    return {"evaluated": 1, **{f"{scale}_{answers[scale]}": 1 for scale in EVALUATION_SCALES if scale in answers}}


def _follow_up(v: CaseView, start: date, at: date) -> dict[str, int]:
    """Two months after the course start: still seen at a health centre, or decided for BUP."""
    still = any(a.level == "primary_care" and a.happens and local_date(a.starts) >= at for a in v.appointments)
    bup = any(d.level == "bup" and start <= local_date(d.at) <= at for d in v.decisions)
    return {"still_at_health_centre_2m": int(still), "referred_to_bup_2m": int(bup)}


def collaborations_figure(ds: Dataset, q: Query) -> Table:
    """Children with two-level collaboration initiated, by question, intervention or unit when asked."""
    t = new_table("collaborations", q, ["children"], ["children"])
    keys = set(t.periods)
    for v in ds.selected(q):
        firsts = sorted(v.facts.get("collabs", {}).values(), key=lambda c: c["at"])
        seen: set[tuple[str, Any]] = set()
        for c in firsts:
            if q.unit and q.unit not in (c["hc"], c["bup"]):
                continue
            key = in_query(q, c["at"], keys)
            dim = {"question": c["question"], "intervention": c["intervention"], "unit": c["hc"]}.get(q.by or "")
            if key and (key, dim) not in seen:  # a child counts once per period (and breakdown)
                seen.add((key, dim))
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
