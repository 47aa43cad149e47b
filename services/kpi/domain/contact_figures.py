"""Keeping in touch, counted: children who need an interpreter and what became of their first visit (pure).

Interpreters are read by contact cohort: the children whose clock started in the period. "Not offered because of language" (the
seeds' 5 %) counts a child for whom at least one first-visit time was not booked because the interpreting agency
had no interpreter; `waiting_for_first_visit` those of them still without a first visit booked.
Returned referrals (the region's "analys av återsända remisser") are counted in the month of the return, by
reason, by the referrer's kind (EDI, paper, school, partner) or by who sent it (source); `referrals` beside them
are the referrals whose clock started in that month, so the share is an approximation over moving cases.
Check-ins with waiting families are counted in the month each thing happened: sent, answered (worse, the risk
question, no longer needed), and cases closed after the family said they no longer need the time.
"""
from __future__ import annotations

from services.kpi.domain.query import Dataset, Query, in_query, new_table
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView

RETURN_DIMENSIONS = ("reason", "referrer", "source")
REFERRED = ("edi", "paper", "school_form", "partner")

INTERPRETER_COLUMNS = ["children", "needing_interpreter", "first_visit_with_interpreter", "first_visit_without",
                       "not_offered_for_language", "waiting_for_first_visit", "times_not_offered"]


def _first_visit_booked(v: CaseView) -> tuple[bool, bool]:
    """(a first visit is booked, with an interpreter): the earliest new visit that was not cancelled."""
    firsts = [a for a in v.appointments if a.visit == "new_visit" and a.happens]
    return (bool(firsts), bool(firsts) and firsts[0].interpreter)


def interpreters_figure(ds: Dataset, q: Query) -> Table:
    """Per period of the clock start: children, those needing an interpreter, their first visit with or without
    one, and those with a first-visit time not offered for want of an interpreter."""
    child_cols = [c for c in INTERPRETER_COLUMNS if c != "times_not_offered"]
    t = new_table("interpreters", q, INTERPRETER_COLUMNS, child_cols, {
        "share_needing_interpreter": ("needing_interpreter", "children"),
        "share_with_interpreter": ("first_visit_with_interpreter", "needing_interpreter"),
        "share_not_offered_for_language": ("not_offered_for_language", "children")})
    keys = set(t.periods)
    for v in ds.selected(q):
        key = in_query(q, v.clock, keys) if v.clock and (not q.unit or v.unit == q.unit) else None
        if key is None:
            continue
        counts = {"children": 1}
        if v.interpreter_told:
            booked, with_interpreter = _first_visit_booked(v)
            refused = [u for u in v.unavailable if u["visit"] == "new_visit"]
            counts.update({"needing_interpreter": 1, "first_visit_with_interpreter": int(with_interpreter),
                           "first_visit_without": int(booked and not with_interpreter),
                           "not_offered_for_language": int(bool(refused)),
                           "waiting_for_first_visit": int(bool(refused) and not booked),
                           "times_not_offered": len(refused)})
        t.add(key, ds.dim_value(v, q.by), counts)
    return t


def returned_figure(ds: Dataset, q: Query) -> Table:
    """Referrals returned to their referrer with advice, per month of the return (by reason, referrer kind or
    source when asked), beside the referrals received."""
    t = new_table("returned_referrals", q, ["returned", "referrals"], ["returned", "referrals"],
                  {"share_returned": ("returned", "referrals")})
    keys = set(t.periods)
    for v in ds.selected(q):
        returned = in_query(q, v.returned, keys) if v.returned else None
        if returned:
            t.add(returned, ds.dim_value(v, q.by), {"returned": 1})
        received = in_query(q, v.clock, keys) if v.clock and v.channel in REFERRED else None
        if received and q.by != "reason":  # a referral not returned has no reason to be counted under
            t.add(received, ds.dim_value(v, q.by), {"referrals": 1})
    return t


CHECKIN_COLUMNS = ["sent", "answered", "worse", "escalated", "no_longer_needed", "closed_no_longer_needed"]


def checkins_figure(ds: Dataset, q: Query) -> Table:
    """Check-ins per month: sent, answered, worse, escalated (the risk question), no longer needed, and cases
    closed after a "no longer needed" answer (by a person: nothing closes by itself)."""
    t = new_table("checkins", q, CHECKIN_COLUMNS, CHECKIN_COLUMNS[1:], {"share_answered": ("answered", "sent")})
    keys = set(t.periods)
    for v in ds.selected(q):
        nln_at = None
        for c in v.facts.get("checkins", {}).values():
            dim = ds.dim_value(v, q.by)
            if c.get("sent") and (key := in_query(q, c["sent"], keys)):
                t.add(key, dim, {"sent": 1})
            if c.get("answered") and (key := in_query(q, c["answered"], keys)):
                t.add(key, dim, {"answered": 1, "worse": int(c.get("how") == "worse"),
                                 "escalated": int(bool(c.get("risk"))), "no_longer_needed": int(bool(c.get("nln")))})
            if c.get("nln") and c.get("answered"):
                nln_at = min(nln_at or c["answered"], c["answered"])
        if nln_at and v.closed and v.closed >= nln_at and (key := in_query(q, v.closed, keys)):
            t.add(key, ds.dim_value(v, q.by), {"closed_no_longer_needed": 1})
    return t
