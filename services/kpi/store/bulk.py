"""The projection's batch statements: a batch of merged facts per case and call written in one read and one
write per touched row (live batches and the replay), and the rebuild's clean start."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy import bindparam, delete, text
from sqlmodel import Session

from services.kpi.domain.facts import Facts
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge
from services.kpi.domain.tally import Key, Tallies
from services.kpi.domain.window import call_day, case_window, first_unit
from services.kpi.store import tally
from services.kpi.store.tables import (
    CallFactsRow,
    CaseFactsRow,
    InputCountRow,
    OpenRow,
    RunwayAlertRow,
    TallyMonthRow,
    TallyRow,
)

# bucket -> (table, key column, merge rules)
TABLES = {"case": (str(CaseFactsRow.__tablename__), "case_id", CASE_OPS),
          "call": (str(CallFactsRow.__tablename__), "call_id", CALL_OPS)}
Merged = dict[str, tuple[Facts | None, Facts]]  # key -> (stored before, stored after)


def clear_projections(session: Session, tallies: Tallies | None = None) -> None:
    """Start a rebuild from nothing (tags and alerts already sent stay: they were facts of their day; the runway
    alerts read from booking are input, rebuilt like the facts); the tally is then kept under `tallies`'
    definitions."""
    for model in (CaseFactsRow, CallFactsRow, InputCountRow, TallyRow, TallyMonthRow, OpenRow, RunwayAlertRow):
        session.exec(delete(model))
    if tallies is not None:
        tally.mark(session, tallies)


Counted = dict[str, tuple[Counter[Key], dict[str, date]]]  # key -> (its counts, its open clocks), as new rows


def counted(bucket: str, batch: dict[str, Facts], tallies: Tallies) -> Counted:
    """The kept figures' counts of a batch's facts as if no row held them yet (what a rebuild's chunk mostly
    is): the replay's workers compute them side by side, before they take turns writing."""
    if bucket == "case":
        return {key: tallies.case(key, facts) for key, facts in batch.items()}
    return {key: (tallies.call(key, facts), {}) for key, facts in batch.items()}


def merge_batch(session: Session, bucket: str, batch: dict[str, Facts], now: datetime, tallies: Tallies,
                fresh: Counted | None = None) -> Merged:
    """Fold partial facts per key into the store: one read and one write per touched row, for a replay
    chunk or a live batch, and the kept figures' change in the same transaction (for a key no row held,
    `fresh` may hold its counts already). Returns each key's facts before and after.

    Plain SQL statements, not ORM objects: this runs for every row of a rebuild and every live batch.
    The rows are read (and locked on PostgreSQL) in key order, so two batches never wait on each other
    crosswise.
    """
    table, name, ops = TABLES[bucket]
    sqlite = session.get_bind().dialect.name == "sqlite"
    existing = _read(session, table, name, sorted(batch), sqlite)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    out: Merged = {}
    change: Counter[Key] = Counter()  # what the kept figures gain and lose
    reopened: dict[str, dict[str, date]] = {}  # cases whose open clocks changed
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now  # how SQLAlchemy writes DateTime there
    for key, facts in batch.items():
        old = existing.get(key)
        merged = facts if old is None else merge(old, facts, ops)
        out[key] = (old, merged)
        if old == merged:
            continue  # nothing new (a redelivery): the row and its counts stay
        row: dict[str, Any] = {"k": key, "f": dumps(merged), "at": stamp}
        if bucket == "case":
            row["kn"] = merged.get("ref") is not None
            row["d0"], row["d1"] = (_day(d, sqlite) for d in case_window(key, merged))
            row["u"] = first_unit(merged)
            counts, settles = fresh[key] if old is None and fresh and key in fresh else tallies.case(key, merged)
            before, settled_before = tallies.case(key, old) if old is not None else (Counter(), {})
            change.subtract(before)
            if settles != settled_before:
                reopened[key] = settles
        else:
            row["d0"] = _day(call_day(merged), sqlite)
            counts = fresh[key][0] if old is None and fresh and key in fresh else tallies.call(key, merged)
            if old is not None:
                change.subtract(tallies.call(key, old))
        change.update(counts)
        (inserts if old is None else updates).append(row)
    _write(session, bucket, table, name, inserts, updates, sqlite)
    tally.add(session, change)
    tally.reopen(session, reopened)
    return out


def _read(session: Session, table: str, name: str, keys: list[str], sqlite: bool) -> dict[str, Facts]:
    # the stored JSON as text, decoded here by pydantic-core's fast parser (not row by row by the driver)
    chosen = text(f"SELECT {name}, CAST(facts AS TEXT) FROM {table} WHERE {name} IN :keys ORDER BY {name}"
                  + ("" if sqlite else " FOR UPDATE")).bindparams(bindparam("keys", expanding=True))
    existing: dict[str, Facts] = {}
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        existing.update((k, from_json(f)) for k, f in session.execute(chosen, {"keys": keys[i:i + 900]}))
    return existing


def _write(session: Session, bucket: str, table: str, name: str, inserts: list[dict[str, Any]],
           updates: list[dict[str, Any]], sqlite: bool) -> None:
    # one prepared statement per batch with the JSON already encoded: the ORM's per-row work costs more
    # than the whole fold on a rebuild
    facts_value = "CAST(:f AS JSON)" if not sqlite else ":f"
    cols, vals = ("known, first_day, last_day, unit, ", ":kn, :d0, :d1, :u, ") if bucket == "case" else ("day, ", ":d0, ")
    sets = "known = :kn, first_day = :d0, last_day = :d1, unit = :u, " if bucket == "case" else "day = :d0, "
    if inserts:
        session.execute(text(f"INSERT INTO {table} ({name}, {cols}facts, updated_at) "
                             f"VALUES (:k, {vals}{facts_value}, :at)"), inserts)
    if updates:
        session.execute(text(f"UPDATE {table} SET {sets}facts = {facts_value}, updated_at = :at "
                             f"WHERE {name} = :k"), updates)


def _day(d: date | None, sqlite: bool) -> date | str | None:
    return d.isoformat() if sqlite and d is not None else d  # how SQLAlchemy writes Date on SQLite


def dumps(facts: Facts) -> str:
    return to_json(facts).decode("utf-8")
