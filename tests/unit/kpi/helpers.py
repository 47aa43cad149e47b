"""Folding wire events into facts and figures the way the service does, for domain tests."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from services.kpi.domain.facts import facts_of
from services.kpi.domain.figures import Dataset, Query, compute
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge
from services.kpi.rules import load_definitions, load_rules

DEFS = load_definitions()
RULES = load_rules()


def fold(events: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Cases and calls after folding `events` in the given order."""
    cases: dict[str, Any] = {}
    calls: dict[str, Any] = {}
    for d in events:
        got = facts_of(d)
        if got is None:
            continue
        bucket, key, facts = got
        target, ops = (cases, CASE_OPS) if bucket == "case" else (calls, CALL_OPS)
        target[key] = merge(target.get(key), facts, ops)
    return cases, calls


def dataset(events: Iterable[dict[str, Any]]) -> Dataset:
    cases, calls = fold(events)
    return Dataset(cases.items(), calls.items(), DEFS)


def figure(events: Iterable[dict[str, Any]], name: str, start: str, end: str, today: str | None = None,
           **kw: Any) -> list[dict[str, Any]]:
    q = Query(date.fromisoformat(start), date.fromisoformat(end), date.fromisoformat(today or end), **kw)
    return compute(dataset(events), q, name).rows()


def row(rows: list[dict[str, Any]], period: str) -> dict[str, Any]:
    return next(r for r in rows if r["period"] == period)
