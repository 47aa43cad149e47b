"""Applying facts to the store: a batch of merged facts per case and call (live batches and the replay)."""
from __future__ import annotations

from datetime import date, datetime

from pydantic_core import from_json, to_json
from sqlalchemy import Text, bindparam, cast, delete, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from services.kpi.domain.facts import Facts
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge
from services.kpi.domain.window import call_day, case_window, first_unit
from services.kpi.store import CallFactsRow, CaseFactsRow, InputCountRow

ROWS = {"case": (CaseFactsRow, CASE_OPS), "call": (CallFactsRow, CALL_OPS)}


def count(session: Session, outcome: str, n: int = 1) -> None:
    row = session.get(InputCountRow, outcome) or InputCountRow(outcome=outcome, n=0)
    row.n += n
    session.add(row)


def input_counts(session: Session) -> dict[str, int]:
    return {r.outcome: r.n for r in session.exec(select(InputCountRow))}


def load_cases(session: Session, start: date | None = None, end: date | None = None) -> list[tuple[str, Facts]]:
    """Cases whose active window overlaps [start, end] (every case without bounds).

    The facts come as text and are decoded by pydantic-core's parser, not row by row by the driver.
    """
    t = CaseFactsRow.__table__  # type: ignore[attr-defined]
    stmt = sa_select(t.c.case_id, cast(t.c.facts, Text))
    if end is not None:
        stmt = stmt.where(t.c.first_day <= end)
    if start is not None:
        stmt = stmt.where(t.c.last_day >= start)
    return [(k, from_json(f)) for k, f in session.execute(stmt)]


def load_calls(session: Session, start: date | None = None, end: date | None = None) -> list[tuple[str, Facts]]:
    """Calls whose first step falls in [start, end] (every call without bounds)."""
    t = CallFactsRow.__table__  # type: ignore[attr-defined]
    stmt = sa_select(t.c.call_id, cast(t.c.facts, Text))
    if start is not None:
        stmt = stmt.where(t.c.day >= start)
    if end is not None:
        stmt = stmt.where(t.c.day <= end)
    return [(k, from_json(f)) for k, f in session.execute(stmt)]


def data_span(session: Session) -> tuple[date | None, date | None]:
    """The first and last day any case or call counts in (both indexed: two index lookups each)."""
    c, k = CaseFactsRow.__table__, CallFactsRow.__table__  # type: ignore[attr-defined]
    first = [session.execute(sa_select(func.min(c.c.first_day))).scalar(),
             session.execute(sa_select(func.min(k.c.day))).scalar()]
    last = [session.execute(sa_select(func.max(k.c.day))).scalar(),
            session.execute(sa_select(func.max(c.c.first_day))).scalar()]
    firsts, lasts = [d for d in first if d], [d for d in last if d]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def known_units(session: Session, start: date, end: date) -> list[str]:
    """Units the cases of a period were first booked into (for the dashboard's unit list)."""
    t = CaseFactsRow.__table__  # type: ignore[attr-defined]
    stmt = sa_select(t.c.unit).distinct().where(t.c.first_day <= end, t.c.last_day >= start, t.c.unit.is_not(None))
    return sorted(u for (u,) in session.execute(stmt))


def clear_projections(session: Session) -> None:
    """Start a rebuild from nothing (tags and alerts already sent stay: they were facts of their day)."""
    for model in (CaseFactsRow, CallFactsRow, InputCountRow):
        session.exec(delete(model))  # type: ignore[call-overload]


Merged = dict[str, tuple[Facts | None, Facts]]  # key -> (stored before, stored after)


def merge_batch(session: Session, bucket: str, batch: dict[str, Facts], now: datetime) -> Merged:
    """Fold partial facts per key into the store: one read and one write per touched row, for a replay
    chunk or a live batch. Returns each key's facts before and after.

    Plain SQL statements, not ORM objects: this runs for every row of a rebuild and every live batch.
    The rows are read (and locked on PostgreSQL) in key order, so two batches never wait on each other
    crosswise.
    """
    model, ops = ROWS[bucket]
    table = model.__table__  # type: ignore[attr-defined]
    name = table.c.case_id.name if bucket == "case" else table.c.call_id.name
    sqlite = session.get_bind().dialect.name == "sqlite"
    # the stored JSON as text, decoded here by pydantic-core's fast parser (not row by row by the driver)
    chosen = text(f"SELECT {name}, CAST(facts AS TEXT) FROM {table.name} WHERE {name} IN :keys ORDER BY {name}"
                  + ("" if sqlite else " FOR UPDATE")).bindparams(bindparam("keys", expanding=True))
    keys = sorted(batch)
    existing: dict[str, Facts] = {}
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        existing.update((k, from_json(f)) for k, f in session.execute(chosen, {"keys": keys[i:i + 900]}))
    inserts, updates = [], []
    out: Merged = {}
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now  # how SQLAlchemy writes DateTime there
    for key, facts in batch.items():
        old = existing.get(key)
        merged = facts if old is None else merge(old, facts, ops)
        out[key] = (old, merged)
        row = {"k": key, "f": dumps(merged), "at": stamp}
        if bucket == "case":
            row["kn"] = merged.get("ref") is not None
            row["d0"], row["d1"] = (_day(d, sqlite) for d in case_window(key, merged))
            row["u"] = first_unit(merged)
        else:
            row["d0"] = _day(call_day(merged), sqlite)
        (inserts if old is None else updates).append(row)
    # one prepared statement per batch with the JSON already encoded: the ORM's per-row work costs more
    # than the whole fold on a rebuild
    facts_value = "CAST(:f AS JSON)" if not sqlite else ":f"
    cols, vals = ("known, first_day, last_day, unit, ", ":kn, :d0, :d1, :u, ") if bucket == "case" else ("day, ", ":d0, ")
    sets = "known = :kn, first_day = :d0, last_day = :d1, unit = :u, " if bucket == "case" else "day = :d0, "
    if inserts:
        session.execute(text(f"INSERT INTO {table.name} ({name}, {cols}facts, updated_at) "
                             f"VALUES (:k, {vals}{facts_value}, :at)"), inserts)
    if updates:
        session.execute(text(f"UPDATE {table.name} SET {sets}facts = {facts_value}, updated_at = :at "
                             f"WHERE {name} = :k"), updates)
    return out


def _day(d: date | None, sqlite: bool) -> date | str | None:
    return d.isoformat() if sqlite and d is not None else d  # how SQLAlchemy writes Date on SQLite


def dumps(facts: Facts) -> str:
    return to_json(facts).decode("utf-8")
