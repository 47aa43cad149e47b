"""The kept figures in the store: a batch's change added to `kpi_tally`, a figure request's rows summed in SQL, and
the whole tally rebuilt from the stored facts when what is kept changed (definitions, rules, format)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic_core import from_json
from sqlalchemy import case, delete, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from services.chassis.db import Database
from services.kpi.domain.facts import Facts
from services.kpi.domain.tally import Key, Tallies
from services.kpi.domain.tally_read import Row, Selection
from services.kpi.store.tables import CallFactsRow, CaseFactsRow, TallyRow, TallyStateRow

COLUMNS = ("figure", "day", "municipality", "sex", "age_band", "channel", "unit", "unit_by", "item", "counted")
UPSERT = text(f"INSERT INTO kpi_tally ({', '.join(COLUMNS)}, month, n) "
              f"VALUES ({', '.join(':' + c for c in COLUMNS)}, :month, :n) "
              f"ON CONFLICT ({', '.join(COLUMNS)}) DO UPDATE SET n = kpi_tally.n + excluded.n")
CHUNK = 2_000  # cases or calls per step of a rebuild


def add(session: Session, change: Counter[Key]) -> None:
    """Add a batch's change (new counts minus the counts the same rows had before) in one statement.

    In key order, so two transactions never wait on each other's rows crosswise."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    rows = sorted(_row(key, n, sqlite) for key, n in change.items() if n)
    if rows:
        session.execute(UPSERT, [dict(zip((*COLUMNS, "month", "n"), r, strict=True)) for r in rows])


def _row(key: Key, n: int, sqlite: bool) -> tuple[Any, ...]:
    day = key[1]
    return (key[0], day.isoformat() if sqlite else day, *(v or "" for v in key[2:]), f"{day:%Y-%m}", n)


def read(session: Session, sel: Selection) -> Counter[Row]:
    """The rows a figure request sums: per month (and whether before the first day counted), breakdown, column."""
    early = case((col(TallyRow.day) < sel.lo, 1), else_=0)
    keys: list[Any] = [col(TallyRow.month), early, col(TallyRow.counted)]
    if sel.dim:
        keys.append(getattr(TallyRow, sel.dim))
    if sel.by_item:
        keys.append(col(TallyRow.item))
    stmt = (sa_select(*keys, func.sum(col(TallyRow.n)))
            .where(col(TallyRow.figure) == sel.figure, col(TallyRow.day) >= sel.first, col(TallyRow.day) <= sel.hi))
    for name, value in (("municipality", sel.municipality), ("sex", sel.sex), ("unit", sel.unit)):
        if value:
            stmt = stmt.where(getattr(TallyRow, name) == value)
    out: Counter[Row] = Counter()
    for month, before, name, *rest in session.execute(stmt.group_by(*keys)):
        n = rest.pop()
        dim = rest.pop(0) if sel.dim else None
        item = rest.pop(0) if sel.by_item else None
        if n:
            out[(month, bool(before), dim or None, item or None, name)] += int(n)
    return out


def keep(db: Database, tallies: Tallies) -> None:
    """At start-up: the tally kept under `tallies`' definitions, rebuilt in one transaction if it was not."""
    with Session(db.engine) as s:
        if ensure(s, tallies):
            s.commit()


def ensure(session: Session, tallies: Tallies) -> bool:
    """Rebuild the tally from the stored facts unless it was kept under these definitions; True if rebuilt."""
    state = session.get(TallyStateRow, "tally")
    if state is not None and state.signature == tallies.signature:
        return False
    rebuild(session, tallies)
    return True


def mark(session: Session, tallies: Tallies) -> None:
    """Record the definitions the tally is kept under (after a rebuild, or a replay that starts from nothing)."""
    state = session.get(TallyStateRow, "tally") or TallyStateRow(name="tally", signature="")
    state.signature = tallies.signature
    session.add(state)


def rebuild(session: Session, tallies: Tallies) -> None:
    """Every case's and call's counts (and each case's `settles_on`) anew from its stored facts."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    session.execute(delete(TallyRow))
    for chunk in _chunks(session, CaseFactsRow.__tablename__, "case_id"):
        change: Counter[Key] = Counter()
        settles: list[dict[str, Any]] = []
        for key, facts in chunk:
            counts, day = tallies.case(key, facts)
            change.update(counts)
            settles.append({"k": key, "s": _day(day, sqlite)})
        session.execute(text("UPDATE kpi_case_facts SET settles_on = :s WHERE case_id = :k"), settles)
        add(session, change)
    for chunk in _chunks(session, CallFactsRow.__tablename__, "call_id"):
        change = Counter()
        for key, facts in chunk:
            change.update(tallies.call(key, facts))
        add(session, change)
    mark(session, tallies)


def _chunks(session: Session, table: str, name: str) -> Iterator[list[tuple[str, Facts]]]:
    after = ""
    while True:
        rows = session.execute(text(f"SELECT {name}, CAST(facts AS TEXT) FROM {table} WHERE {name} > :a "
                                    f"ORDER BY {name} LIMIT {CHUNK}"), {"a": after}).all()
        if not rows:
            return
        yield [(k, from_json(f)) for k, f in rows]
        after = rows[-1][0]


def _day(d: date | None, sqlite: bool) -> date | str | None:
    return d.isoformat() if sqlite and d is not None else d  # how SQLAlchemy writes Date on SQLite
