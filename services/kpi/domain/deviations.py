"""Deviation rules for stepwise and two-level care, evaluated on one case's facts (pure).

A rule file names each rule's `kind` (one of the evaluators below) and its parameters;
the same facts give the same deviations whatever order the events came in.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import get_args

from contracts.kpi import ReportedLevel
from services.kpi.domain.days import days_between, local_date
from services.kpi.domain.definitions import DeviationRule, RuleSet
from services.kpi.domain.views import CaseView

REPORTED_LEVELS: dict[str, ReportedLevel] = {level: level for level in get_args(ReportedLevel)}


@dataclass(frozen=True)
class Deviation:
    case_id: str
    rule_id: str
    key: str  # what in the case it is about (appointment, decision, referral), so each is tagged once
    unit_id: str | None
    level: ReportedLevel
    day: date  # the day it happened, for the quarterly compilation
    evidence: dict[str, str]


Found = Iterator[tuple[str, str | None, date, dict[str, str], str | None]]  # key, unit, day, evidence, level


def _assessment_late(v: CaseView, r: DeviationRule, today: date) -> Found:
    limit = int(r.params["limit_days"])
    if not v.clock:
        return
    end = v.assessed
    if end is None:
        if v.ended_at() is None and (today - local_date(v.clock)).days > limit:
            yield "contact", v.unit, today, {"clock_start": str(local_date(v.clock)), "assessed": "not yet",
                                             "days": str((today - local_date(v.clock)).days)}, None
        return
    days = days_between(v.clock, end)
    if days > limit:
        yield "contact", v.unit, local_date(end), {"clock_start": str(local_date(v.clock)),
                                                  "assessed": str(local_date(end)), "days": str(days)}, None


def _paper_late(v: CaseView, r: DeviationRule, today: date) -> Found:
    limit = int(r.params["limit_days"])
    for eid, p in v.facts.get("paper", {}).items():
        delay = (date.fromisoformat(p["arrived"]) - date.fromisoformat(p["written"])).days
        if delay > limit:
            yield eid, None, date.fromisoformat(p["arrived"]), {
                "date_written": p["written"], "date_arrived": p["arrived"], "days": str(delay)}, None


def _first_visit_late(v: CaseView, r: DeviationRule, today: date) -> Found:
    level, limit = str(r.params["level"]), int(r.params["limit_days"])
    visit = v.first_visit(level)
    if visit is not None:
        days = days_between(visit.decided, visit.starts)
        if days > limit and not visit.chosen and local_date(visit.starts) <= today:
            yield visit.appointment_id, visit.unit, local_date(visit.starts), {
                "decided": str(local_date(visit.decided)), "first_visit": str(local_date(visit.starts)),
                "days": str(days)}, None
        return
    decision = v.decided_to(level)
    if decision and v.current_level == level and v.ended_at() is None:
        waited = (today - local_date(decision.at)).days
        if waited > limit:
            yield decision.event_id, None, today, {"decided": str(local_date(decision.at)), "first_visit": "not yet",
                                                   "days": str(waited)}, None


def _changed_after_booking(v: CaseView, r: DeviationRule, today: date) -> Found:
    for d in v.decisions:
        for a in v.appointments:
            if a.booked_at < d.at and a.level != d.level and a.level in ("primary_care", "bup"):
                yield d.event_id, a.unit, local_date(d.at), {
                    "booked_level": a.level, "new_level": d.level, "booked": str(local_date(a.booked_at)),
                    "decided": str(local_date(d.at))}, a.level
                break


def _override(v: CaseView, r: DeviationRule, today: date) -> Found:
    for d in v.decisions:
        if d.overridden and d.level != d.guide:
            yield d.event_id, None, local_date(d.at), {"guide_level": d.guide, "decided_level": d.level}, None


def _returned(v: CaseView, r: DeviationRule, today: date) -> Found:
    levels = set(r.params["levels"])
    reasons = set(r.params["cancel_reasons"])
    for d in v.decisions:
        if d.supersedes in levels and d.level in levels and d.supersedes != d.level:
            unit = next((a.unit for a in v.appointments if a.level == d.supersedes), None)
            yield d.event_id, unit, local_date(d.at), {"from_level": str(d.supersedes), "to_level": d.level}, d.supersedes
    for a in v.appointments:
        if a.status == "cancelled" and a.status_reason in reasons:
            yield a.appointment_id, a.unit, local_date(a.status_at or a.starts), {
                "level": a.level, "reason": str(a.status_reason)}, a.level


def _no_slots(v: CaseView, r: DeviationRule, today: date) -> Found:
    for eid, ns in v.facts.get("noslots", {}).items():
        for unit in ns["units"] or [None]:
            yield f"{eid}:{unit}", unit, local_date(ns["at"]), {"level": ns["level"], "at": str(local_date(ns["at"]))}, \
                ns["level"]


EVALUATORS: dict[str, Callable[[CaseView, DeviationRule, date], Found]] = {
    "assessment_late": _assessment_late, "paper_arrival_late": _paper_late, "first_visit_late": _first_visit_late,
    "care_level_changed_after_booking": _changed_after_booking, "clinician_override": _override,
    "returned_between_levels": _returned, "no_bookable_slots": _no_slots,
}


def settles_on(v: CaseView, rules: RuleSet, open_end: date) -> date | None:
    """The first day from which `evaluate` gives the same deviations whatever later day is today: the latest late
    first visit a `first_visit_late` rule waits for (it counts once the visit's day has come), or `open_end` while
    a rule's clock still runs (its deviation is dated today). None: today never mattered."""
    days: list[date] = []
    running = v.ended_at() is None
    for rule in rules.rules:
        if rule.kind == "assessment_late" and v.clock and v.assessed is None and running:
            days.append(open_end)
        elif rule.kind == "first_visit_late":
            level, limit = str(rule.params["level"]), int(rule.params["limit_days"])
            visit = v.first_visit(level)
            if visit is not None:
                if days_between(visit.decided, visit.starts) > limit and not visit.chosen:
                    days.append(local_date(visit.starts))
            elif v.decided_to(level) and v.current_level == level and running:
                days.append(open_end)
    return max(days, default=None)


def evaluate(v: CaseView, rules: RuleSet, today: date) -> list[Deviation]:
    """Every deviation the case shows today under the rule file."""
    out = []
    for rule in rules.rules:
        for key, unit, day, evidence, level in EVALUATORS[rule.kind](v, rule, today):
            chosen = level if rule.level == "from_event" and level in REPORTED_LEVELS else rule.level
            reported = REPORTED_LEVELS.get(chosen or "", "contact_centre")
            out.append(Deviation(v.case_id, rule.id, key, unit, reported, day, evidence))
    return out
