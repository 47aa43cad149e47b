"""Applying facts to the store: one event (live) or a batch of merged facts (replay)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, update
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
    """Fold a replay chunk's partial facts into the store: one read and one write per touched row.

    Plain SQL statements, not ORM objects: this runs for every row of a rebuild.
    """
    model, ops = ROWS[bucket]
    table = model.__table__  # type: ignore[attr-defined]
    pk = table.c.case_id if bucket == "case" else table.c.call_id
    keys = list(batch)
    existing: dict[str, Facts] = {}
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        chosen = select(pk, table.c.facts).where(pk.in_(keys[i:i + 900]))
        if session.get_bind().dialect.name == "postgresql":
            chosen = chosen.with_for_update()
        existing.update(session.execute(chosen).all())  # type: ignore[arg-type]
    inserts, updates = [], []
    for key, facts in batch.items():
        old = existing.get(key)
        merged = facts if old is None else merge(old, facts, ops)
        row = {"b_key": key, "b_facts": merged, "b_at": now}
        if bucket == "case":
            row["b_known"] = merged.get("ref") is not None
        (inserts if old is None else updates).append(row)
    extra = {"known": bindparam("b_known")} if bucket == "case" else {}
    values = {"facts": bindparam("b_facts"), "updated_at": bindparam("b_at"), **extra}
    if inserts:
        session.execute(insert(table).values({pk.name: bindparam("b_key"), **values}), inserts)
    if updates:
        session.execute(update(table).where(pk == bindparam("b_key")).values(values), updates)
