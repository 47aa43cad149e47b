"""The kept figures in the store: a batch's change added to `kpi_tally`, a figure request's rows summed in SQL, and
the whole tally rebuilt from the stored facts when what is kept changed (definitions, rules, format)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Connection, delete, text
from sqlmodel import Session, col

from services.chassis.db import Database
from services.kpi.domain.days import ym
from services.kpi.domain.facts import Facts
from services.kpi.domain.tally import WAITING, Key, Tallies, by_month
from services.kpi.domain.tally_read import Row, Selection, parts
from services.kpi.store.tables import CallFactsRow, CaseFactsRow, OpenRow, TallyMonthRow, TallyRow, TallyStateRow

COLUMNS = ("figure", "day", "municipality", "sex", "age_band", "channel", "unit", "unit_by", "item", "counted")
MONTH_COLUMNS = ("figure", "level", "month", "municipality", "sex", "unit", "unit_by", "item", "counted")
CHUNK = 2_000  # cases or calls per step of a rebuild


def _upsert(table: str, key: tuple[str, ...], extra: tuple[str, ...], mark: str) -> str:
    names = (*key, *extra, "n")
    return (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(mark for _ in names)}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + excluded.n")


def add(session: Session, change: Counter[Key]) -> None:
    """Add a batch's change (new counts minus the counts the same rows had before) to the day rows and the month
    sums, one statement each. In key order, so two transactions never wait on each other's rows crosswise.

    Straight to the driver (`exec_driver_sql`): a rebuild writes hundreds of thousands of rows, and binding
    them through SQLAlchemy's parameter processing cost more than computing them."""
    conn = session.connection()
    sqlite, mark = conn.dialect.name == "sqlite", "?" if conn.dialect.paramstyle == "qmark" else "%s"
    days: dict[date, tuple[Any, str]] = {}
    rows = []
    for key, n in change.items():
        if n:
            day = key[1]
            if (stored := days.get(day)) is None:
                stored = days[day] = (day.isoformat() if sqlite else day, ym(day))
            rows.append((key[0], stored[0], *[v or "" for v in key[2:]], stored[1], n))
    if rows:
        rows.sort(key=lambda r: (r[0], str(r[1]), *r[2:]))
        conn.exec_driver_sql(_upsert("kpi_tally", COLUMNS, ("month",), mark), rows)
    months = sorted((*[v or "" for v in key], n) for key, n in by_month(change).items() if n)
    if months:
        conn.exec_driver_sql(_upsert("kpi_tally_month", MONTH_COLUMNS, (), mark), months)


def read(session: Session, sel: Selection) -> Counter[Row]:
    """The rows a figure request sums: per month (and whether before the first day counted), breakdown, column;
    whole months from the month sums where a level keeps the dimensions asked for, other days from the day rows."""
    return read_many(session, [sel])[sel.figure]


def read_many(session: Session, sels: list[Selection]) -> dict[str, Counter[Row]]:
    """`read` of several figures: those whose selections differ only in the figure are summed by the same
    statements, grouped by figure (equal care's four figures: two reads, not four)."""
    conn = session.connection()
    sql = _Sql("?" if conn.dialect.paramstyle == "qmark" else "%s", conn.dialect.name == "sqlite")
    out: dict[str, Counter[Row]] = {sel.figure: Counter() for sel in sels}
    shapes: dict[Selection, list[str]] = {}
    for sel in sels:
        shapes.setdefault(replace(sel, figure=""), []).append(sel.figure)
    for shape, figures in shapes.items():
        days, months, level = parts(shape)
        for first, last in days:
            where = sql.where("day >= {} AND day <= {}", sql.day(first), sql.day(last))
            _sum(conn, sql, "kpi_tally", shape, figures, out,
                 sql.where("CASE WHEN day < {} THEN 1 ELSE 0 END", sql.day(shape.lo)), where)
        if months is not None:  # whole months lie within the days counted: never early
            _sum(conn, sql, "kpi_tally_month", shape, figures, out, None,
                 sql.where("level = {} AND month >= {} AND month <= {}", level, *months))
    return out


class _Sql:
    """SQL text with the driver's own placeholders: a request's two statements straight to the driver (building
    them through SQLAlchemy's expression language cost more than running them)."""

    def __init__(self, mark: str, sqlite: bool) -> None:
        self.mark, self.sqlite = mark, sqlite

    def where(self, text: str, *values: Any) -> tuple[str, list[Any]]:
        return text.format(*(self.mark for _ in values)), list(values)

    def day(self, d: date) -> Any:
        return d.isoformat() if self.sqlite else d

    def among(self, values: tuple[str, ...]) -> str:
        return f"({', '.join(self.mark for _ in values)})"


def _sum(conn: Connection, sql: _Sql, table: str, sel: Selection, figures: list[str],
         out: dict[str, Counter[Row]], early: tuple[str, list[Any]] | None, where: tuple[str, list[Any]]) -> None:
    """`table`'s rows of the selection's shape summed per figure, period (month for waiting rows), early or not,
    column, breakdown and item, into `out`. The column names come from fixed lists; every value is a parameter."""
    keys, params = ["figure", "month"], []
    if sel.periods:  # waiting rows stay per month (snapshots); the others are summed per period
        whens = " ".join(f"WHEN {sql.mark} THEN {sql.mark}" for _ in sel.periods)
        keys[1] = f"CASE WHEN counted IN {sql.among(WAITING)} THEN month ELSE CASE month {whens} ELSE month END END"
        params = [*WAITING, *(v for pair in sel.periods for v in pair)]
    if early is not None:
        keys.append(early[0])
        params += early[1]
    keys += ["counted", *([sel.dim] if sel.dim else []), *(["item"] if sel.by_item else [])]
    conds, values = [f"figure IN {sql.among(tuple(figures))}", where[0]], [*figures, *where[1]]
    if sel.snapshots is not None:
        conds.append(f"(counted NOT IN {sql.among(WAITING)} OR month IN {sql.among(sel.snapshots)})")
        values += [*WAITING, *sel.snapshots]
    for name, value in (("municipality", sel.municipality), ("sex", sel.sex), ("unit", sel.unit)):
        if value:
            conds.append(f"{name} = {sql.mark}")
            values.append(value)
    statement = (f"SELECT {', '.join(keys)}, SUM(n) FROM {table} WHERE {' AND '.join(conds)} "
                 f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
    for figure, period, *rest in conn.exec_driver_sql(statement, tuple(params + values)):
        before = bool(rest.pop(0)) if early is not None else False
        name, n = rest.pop(0), rest.pop()
        dim = rest.pop(0) if sel.dim else None
        item = rest.pop(0) if sel.by_item else None
        if n:
            out[figure][(period, before, dim or None, item or None, name)] += int(n)


def keep(db: Database, tallies: Tallies) -> None:
    """At start-up: the tally kept under `tallies`' definitions, rebuilt in one transaction if it was not."""
    with Session(db.engine) as s:
        if ensure(s, tallies):
            s.commit()
            analyze(db)


def analyze(db: Database) -> None:
    """After a rebuild or a replay, PostgreSQL's planner statistics for the kept sums at once: autovacuum would
    take them later, and a dashboard asked before then is planned as for the tables it saw (empty, or as before),
    four times slower for some filters on a rebuilt ten-year store (docs/benchmarks.md)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as conn:
        conn.execute(text(f"ANALYZE {TallyRow.__tablename__}, {TallyMonthRow.__tablename__}, "
                          f"{OpenRow.__tablename__}"))
        conn.commit()


def reopen(session: Session, cases: dict[str, dict[str, date]]) -> None:
    """Replace these cases' rows in the open-clock set by their new ones (figure -> the day it settles)."""
    if not cases:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    keys = sorted(cases)
    for i in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        session.execute(delete(OpenRow).where(col(OpenRow.case_id).in_(keys[i:i + 900])))
    rows = [{"c": k, "f": f, "s": _day(d, sqlite)} for k in keys for f, d in sorted(cases[k].items())]
    if rows:
        session.execute(text("INSERT INTO kpi_open (case_id, figure, settles_on) VALUES (:c, :f, :s)"), rows)


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
    """Every case's and call's counts (and open clocks) anew from its stored facts."""
    for table in (TallyRow, TallyMonthRow, OpenRow):
        session.execute(delete(table))
    for chunk in _chunks(session, CaseFactsRow.__tablename__, "case_id"):
        change: Counter[Key] = Counter()
        open_clocks: dict[str, dict[str, date]] = {}
        for key, facts in chunk:
            counts, open_clocks[key] = tallies.case(key, facts)
            change.update(counts)
        add(session, change)
        reopen(session, open_clocks)
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
