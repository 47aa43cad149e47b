"""Synthetic KPI history for the query benchmarks: years of cases and calls folded into a store as the replay does.

Cases are built with the contracts' event builders and folded by the same code as the live projection and the
replay (`facts_of`, `merge_batch`), a year at a time; calls are the telephony steps of the same shape. The last
year is the same kind of year whatever the length of the history, so one and ten years differ only in history.
"""
from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from contracts.common import MUNICIPALITIES
from services.chassis.db import Database
from services.kpi.domain.facts import facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into
from services.kpi.domain.tally import Tallies
from services.kpi.store.bulk import merge_batch
from services.kpi.store.tally import analyze
from tests.unit.kpi.builders import CaseBuilder, at

TODAY = date(2026, 11, 20)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
UNITS = ["hc-ersboda", "hc-mariehem", "hc-sorsele"]
# school referrals peak in April-May and November-December (seeds 000); the summer is quiet
SEASON = [1.0, 1.0, 1.0, 1.3, 1.3, 0.8, 0.5, 0.7, 1.0, 1.0, 1.3, 1.2]


def _day(rnd: random.Random, first: date, days: int) -> date:
    while True:
        d = first + timedelta(days=rnd.randrange(days))
        if rnd.random() < SEASON[d.month - 1] / 1.3:
            return d


def case_events(rnd: random.Random, i: int, day: date) -> list[dict[str, Any]]:
    c = CaseBuilder(f"C-B{i:011d}")
    contact = at(str(day), rnd.randint(8, 16))
    c.referral(contact, channel=rnd.choice(["edi", "edi", "paper", "phone"]), sex=rnd.choice(["female", "male"]),
               age=rnd.randint(3, 17), municipality=rnd.choice(MUNICIPALITIES), school=rnd.random() < 0.2)
    if rnd.random() < 0.005:
        return c.events  # a forgotten case: never assessed, never closed (its window stays open for ever)
    assessed = contact + timedelta(days=rnd.choice([0, 1, 2, 3, 3, 4, 6]))
    c.advice(assessed)
    level = rnd.choice(["primary_care", "primary_care", "bup", "parenting_group", "signposting"])
    decided = assessed + timedelta(hours=2)
    c.decided(decided, level)
    end = decided
    if level in ("primary_care", "bup"):
        wait = rnd.randint(1, 12) if level == "primary_care" else rnd.randint(5, 80)
        end = decided + timedelta(days=wait)
        c.booked(f"A-{i}", decided, end, level=level, unit=rnd.choice(UNITS) if level == "primary_care"
                 else "bup-umea", chosen=rnd.random() < 0.05)
    elif level == "parenting_group":
        end = decided + timedelta(days=20)
        c.seat(f"G-{day:%Y%m}-{i % 4}", str(end.date()), sex=rnd.choice(["female", "male"]))
    c.closed(end + timedelta(days=30))
    return c.events


def call_events(rnd: random.Random, i: int, day: date) -> list[dict[str, Any]]:
    t0 = at(str(day), rnd.randint(8, 16), rnd.randint(0, 59))
    steps = [("CallOffered", t0)]
    r = rnd.random()
    steps += [("CallAnswered", t0 + timedelta(minutes=4))] if r < 0.78 else [("QueueFull", t0)] if r < 0.83 else \
        [("CallbackMade", t0 + timedelta(hours=3))] if r < 0.95 else [("CallAbandoned", t0 + timedelta(minutes=2))]
    return [{"event_type": s, "event_id": f"{i}-{s}", "case_id": None, "occurred_at": t.isoformat(),
             "payload": {"call_id": f"call-{i}", "line": "public_1177", "at": t.isoformat()}} for s, t in steps]


def fill(db: Database, years: int, cases_per_year: int, calls_per_year: int, tallies: Tallies) -> tuple[int, int]:
    """Fold `years` of history ending at TODAY into the store, a year at a time (as the replay writes)."""
    n_cases = n_calls = 0
    for y in range(years):
        rnd = random.Random(y)
        first = TODAY - timedelta(days=365 * (y + 1))
        cases: dict[str, dict[str, Any]] = {}
        calls: dict[str, dict[str, Any]] = {}
        events = [e for k in range(cases_per_year)
                  for e in case_events(rnd, y * cases_per_year + k, _day(rnd, first, 365))]
        events += [e for k in range(calls_per_year)
                   for e in call_events(rnd, y * calls_per_year + k, _day(rnd, first, 365))]
        for d in events:
            got = facts_of(d)
            if got is None:
                continue
            bucket, key, facts = got
            target, ops = (cases, CASE_OPS) if bucket == "case" else (calls, CALL_OPS)
            if key in target:
                merge_into(target[key], facts, ops)
            else:
                target[key] = facts
        with Session(db.engine) as s:
            merge_batch(s, "case", cases, datetime.now(UTC), tallies)
            merge_batch(s, "call", calls, datetime.now(UTC), tallies)
            s.commit()
        n_cases, n_calls = n_cases + len(cases), n_calls + len(calls)
    analyze(db)  # a store in service has its planner statistics (autovacuum); one just built has none yet
    return n_cases, n_calls


def database(kind: str, tmp: Path, name: str) -> str:
    """A fresh database: a SQLite file, or a new PostgreSQL database on the local server."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / name}.db"
    import psycopg

    db = f"kpi_bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{db}"


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
