"""Applying facts to the store: one event (live) or a batch of merged facts (replay)."""
from __future__ import annotations

from datetime import datetime

from pydantic_core import from_json, to_json
from sqlalchemy import bindparam, delete, text
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
    name = table.c.case_id.name if bucket == "case" else table.c.call_id.name
    sqlite = session.get_bind().dialect.name == "sqlite"
    # the stored JSON as text, decoded here by pydantic-core's fast parser (not row by row by the driver)
    chosen = text(f"SELECT {name}, CAST(facts AS TEXT) FROM {table.name} WHERE {name} IN :keys"
                  + ("" if sqlite else " FOR UPDATE")).bindparams(bindparam("keys", expanding=True))
    keys = list(batch)
    existing: dict[str, Facts] = {}
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        existing.update((k, from_json(f)) for k, f in session.execute(chosen, {"keys": keys[i:i + 900]}))
    inserts, updates = [], []
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now  # how SQLAlchemy writes DateTime there
    for key, facts in batch.items():
        old = existing.get(key)
        merged = facts if old is None else merge(old, facts, ops)
        row = {"k": key, "f": dumps(merged), "at": stamp}
        if bucket == "case":
            row["kn"] = merged.get("ref") is not None
        (inserts if old is None else updates).append(row)
    # one prepared statement per batch with the JSON already encoded: the ORM's per-row work costs more
    # than the whole fold on a rebuild
    facts_value = "CAST(:f AS JSON)" if not sqlite else ":f"
    cols, vals = ("known, ", ":kn, ") if bucket == "case" else ("", "")
    sets = "known = :kn, " if bucket == "case" else ""
    if inserts:
        session.execute(text(f"INSERT INTO {table.name} ({name}, {cols}facts, updated_at) "
                             f"VALUES (:k, {vals}{facts_value}, :at)"), inserts)
    if updates:
        session.execute(text(f"UPDATE {table.name} SET {sets}facts = {facts_value}, updated_at = :at "
                             f"WHERE {name} = :k"), updates)


def dumps(facts: Facts) -> str:
    return to_json(facts).decode("utf-8")
