"""The days a case or call can matter to a figure, so a query reads only the rows its period touches.

A case counts in a period only through its dated facts (contact, decisions, visits, course starts, ...)
or by a clock still running at the period's end. So its *active window* is [first dated fact, last dated
fact], stretched to OPEN_END while any clock runs (nothing ended it: it is waiting, and 'today' moves).
A query for [start, end] needs exactly the cases whose window overlaps it — the same figures as from
every case, at a cost set by the period asked for, not by how many years the region has run.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from services.kpi.domain.days import local_date
from services.kpi.domain.facts import Facts
from services.kpi.domain.merge import CALL_STEP_KEYS
from services.kpi.domain.views import CaseView

OPEN_END = date(9999, 12, 31)
CLOCK_LEVELS = ("primary_care", "bup")  # the levels whose first visit ends a wait (the measures' levels)


def _days(facts: Facts) -> Iterator[date]:
    for key in ("clock", "closed", "interp"):
        if facts.get(key):
            yield local_date(facts[key])
    for key in ("assess", "signpost", "returned"):
        if facts.get(key):
            yield local_date(facts[key][0])
    for key in ("contacts", "decisions", "collabs", "noslots", "unavail"):
        for entry in facts.get(key, {}).values():
            yield local_date(entry["at"])
    for c in facts.get("checkins", {}).values():  # a check-in with a waiting family: sent, answered
        yield from (local_date(c[k]) for k in ("sent", "answered") if c.get(k))
    for p in facts.get("paper", {}).values():
        yield date.fromisoformat(p["written"])
        yield date.fromisoformat(p["arrived"])
    for a in facts.get("appts", {}).values():
        yield from _appointment_days(a)
    for st in facts.get("stages", {}).values():
        for key in ("decided", "started"):
            if st.get(key):
                yield local_date(st[key])
        if st.get("excl"):
            yield local_date(st["excl"][0])
    for g in facts.get("groups", {}).values():
        if "seat" in g:
            yield local_date(g["seat"][0])
            yield date.fromisoformat(g["seat"][2]["starts_on"])
        if "dropped" in g:
            yield local_date(g["dropped"])
        if "evaluation" in g:
            yield local_date(g["evaluation"][0])


def _appointment_days(a: dict[str, Any]) -> Iterator[date]:
    if "booked" in a:
        yield local_date(a["booked"][0])
        yield local_date(a["booked"][2]["starts"])
        yield local_date(a["booked"][2]["decided"])
    if "status" in a:
        yield local_date(a["status"][0])


def clock_running(view: CaseView) -> bool:
    """A clock of the case is still running: unassessed, or decided to a level with no first visit there
    (the spans of `spans.span_of` without an end), and the case neither closed nor signposted."""
    if view.ended_at() is not None:
        return False
    if view.clock and not view.assessed:
        return True
    if any(st.get("decided") and not st.get("started") for st in view.facts.get("stages", {}).values()):
        return True  # waiting for a BUP investigation or treatment
    level = view.current_level
    return level in CLOCK_LEVELS and view.first_visit(level) is None


def case_window(case_id: str, facts: Facts) -> tuple[date | None, date | None]:
    """(first, last) day the case can count in; last is OPEN_END while one of its clocks still runs."""
    return window_of(CaseView(case_id, facts))


def window_of(view: CaseView) -> tuple[date | None, date | None]:
    """`case_window` of a case already read as a view."""
    days = list(_days(view.facts))
    if not days:
        return None, None
    return min(days), OPEN_END if clock_running(view) else max(days)


def call_day(facts: Facts) -> date | None:
    """The day a call counts in: its first step (a form's call-back, which has none: the day it was asked)."""
    t0 = call_start(facts)
    return local_date(t0) if t0 else None


def call_start(facts: Facts) -> str | None:
    steps = [facts[k] for k in CALL_STEP_KEYS if facts.get(k)]
    if steps:
        return str(facts.get("offered") or min(steps))
    asked = [cb["requested"] for cb in facts.get("cb", {}).values() if cb.get("requested")]
    return min(asked) if asked else None


def first_unit(facts: Facts) -> str | None:
    """The unit the case was first booked into (CaseView.unit), kept as a column for the unit list."""
    booked = sorted((a["booked"][2]["starts"], k, a["booked"][2]["unit"])
                    for k, a in facts.get("appts", {}).items() if "booked" in a)
    return booked[0][2] if booked else None
