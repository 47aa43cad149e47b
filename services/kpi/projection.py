"""Applying facts to the store: one event (live) or a batch of merged facts (replay)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from services.kpi.domain.facts import Facts
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge
from services.kpi.store import CallFactsRow, CaseFactsRow, InputCountRow

ROWS = {"case": (CaseFactsRow, CASE_OPS), "call": (CallFactsRow, CALL_OPS)}


def apply_facts(session: Session, bucket: str, key: str, facts: Facts, now: datetime) -> tuple[Facts | None, Facts]:
    """Merge `facts` into the stored row (locked on PostgreSQL); returns (before, after)."""
    model, ops = ROWS[bucket]
    row = session.get(model, key, with_for_update=True)
    before = dict(row.facts) if row is not None else None
    after = merge(before, facts, ops)
    if row is None:
        row = model(**{"case_id" if bucket == "case" else "call_id": key}, facts=after, updated_at=now)
    else:
        row.facts = after
        row.updated_at = now
    if bucket == "case":
        row.known = after.get("ref") is not None  # type: ignore[union-attr]
    session.add(row)
    return before, after


def count(session: Session, outcome: str, n: int = 1) -> None:
    row = session.get(InputCountRow, outcome) or InputCountRow(outcome=outcome, n=0)
    row.n += n
    session.add(row)


def input_counts(session: Session) -> dict[str, int]:
    return {r.outcome: r.n for r in session.exec(select(InputCountRow))}


def load_cases(session: Session) -> list[tuple[str, Facts]]:
    return [(r.case_id, r.facts) for r in session.exec(select(CaseFactsRow))]


def load_calls(session: Session) -> list[tuple[str, Facts]]:
    return [(r.call_id, r.facts) for r in session.exec(select(CallFactsRow))]


def clear_projections(session: Session) -> None:
    """Start a rebuild from nothing (tags and alerts already sent stay: they were facts of their day)."""
    for model in (CaseFactsRow, CallFactsRow, InputCountRow):
        session.exec(delete(model))  # type: ignore[call-overload]


def merge_batch(session: Session, bucket: str, batch: dict[str, Facts], now: datetime) -> None:
    """Fold a replay chunk's partial facts into the store: read the touched rows once, write them once."""
    model, ops = ROWS[bucket]
    pk = model.case_id if bucket == "case" else model.call_id  # type: ignore[attr-defined]
    keys = list(batch)
    existing: dict[str, Any] = {}
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        for row in session.exec(select(model).where(pk.in_(keys[i:i + 900]))):
            existing[row.case_id if bucket == "case" else row.call_id] = row
    for key, facts in batch.items():
        row = existing.get(key)
        if row is None:
            row = model(**{"case_id" if bucket == "case" else "call_id": key}, facts=facts, updated_at=now)
        else:
            row.facts = merge(row.facts, facts, ops)
            row.updated_at = now
        if bucket == "case":
            row.known = row.facts.get("ref") is not None
        session.add(row)
