"""Benchmark: the dashboard's requests against one year and ten years of history (query cost flat in history).

Builds two KPI stores in fresh PostgreSQL databases (or SQLite with --sqlite): one with one year of synthetic
history, one with ten years whose last year is the same kind of year. Cases are built with the contracts'
event builders and folded by the same code as the live projection and the replay (`facts_of`, `merge_batch`);
calls are the telephony steps of the same shape. Then, in one run and alternating between the two stores
--rounds times, it sends every request the dashboard sends for its default view (the last 12 months) through
the service's real HTTP app (in-process ASGI, JWT checked) and prints p50/p95 latency per history and the
ratio ten years / one year.

    .venv/bin/python bench/kpi_queries.py [--cases-per-year 3000] [--calls-per-year 12000] [--rounds 5]
Target (issue 15): ratio <= 1.5.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlmodel import Session

from contracts.common import MUNICIPALITIES
from services.chassis.clock import FixedClock
from services.chassis.issuer import LocalIssuer
from services.kpi.app import build
from services.kpi.domain.facts import facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into
from services.kpi.replay import open_store
from services.kpi.settings import KpiSettings
from services.kpi.store.bulk import merge_batch
from tests.unit.kpi.builders import CaseBuilder, at

TODAY = date(2026, 11, 20)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
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
        c.booked(f"A-{i}", decided, end, level=level, unit=rnd.choice(["hc-ersboda", "hc-mariehem", "hc-sorsele"])
                 if level == "primary_care" else "bup-umea", chosen=rnd.random() < 0.05)
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


def fill(db: Any, years: int, cases_per_year: int, calls_per_year: int) -> tuple[int, int]:
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
            merge_batch(s, "case", cases, datetime.now(UTC))
            merge_batch(s, "call", calls, datetime.now(UTC))
            s.commit()
        n_cases, n_calls = n_cases + len(cases), n_calls + len(calls)
    return n_cases, n_calls


def dashboard_requests() -> list[str]:
    """What the dashboard asks for on opening (app.js `init` + `refresh`), default period: the last 12 months."""
    p = f"from={TODAY.year - 1}-{TODAY.month:02d}&to={TODAY:%Y-%m}&grain=month"
    figs = ["assessment_3d", "calls", "referrals_by_channel", "triage_split", "first_line_visit_7d",
            "bup_first_visit_30d", "care_guarantee_90d", "parent_groups"]
    return (["/api/kpi/figures"] + [f"/api/kpi/figures/{f}?{p}" for f in figs]
            + [f"/api/kpi/figures/deviations?{p.replace('month', 'quarter')}", "/api/kpi/clocks"])


def database(sqlite: bool, tmp: Path, name: str) -> str:
    if sqlite:
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


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases-per-year", type=int, default=3000)
    ap.add_argument("--calls-per-year", type=int, default=12000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-request", action="store_true", help="also print each request's median")
    ap.add_argument("--sqlite", action="store_true", help="SQLite files instead of PostgreSQL databases")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kpi-queries-"))
    issuer = LocalIssuer(tmp / "keys")
    headers = {"Authorization": f"Bearer {issuer.token('kpi_analyst')}"}
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC).replace(hour=12)
    clients, urls = {}, []
    try:
        for years in (1, 10):
            url = database(a.sqlite, tmp, f"y{years}")
            urls.append(url)
            settings = KpiSettings(data_dir=tmp / f"y{years}", database_url=url, auth_jwks_file=issuer.jwks_file)
            began = time.perf_counter()
            n = fill(open_store(settings), years, a.cases_per_year, a.calls_per_year)
            print(f"{years:>2} year(s): {n[0]:,} cases, {n[1]:,} calls built in {time.perf_counter() - began:.0f} s",
                  flush=True)
            rt, app = build(settings, clock=FixedClock(now))
            clients[years] = TestClient(app)
        lat: dict[int, list[float]] = {1: [], 10: []}
        per_path: dict[tuple[int, str], list[float]] = {}
        views: dict[int, list[float]] = {1: [], 10: []}
        for client in clients.values():  # warm-up: connections, first imports
            for path in dashboard_requests():
                assert client.get(path, headers=headers).status_code == 200, path
        for _ in range(a.rounds):
            for years, client in clients.items():
                view = 0.0
                for path in dashboard_requests():
                    t = time.perf_counter()
                    r = client.get(path, headers=headers)
                    dt = time.perf_counter() - t
                    assert r.status_code == 200, (path, r.text[:200])
                    lat[years].append(dt)
                    per_path.setdefault((years, path.split("?")[0]), []).append(dt)
                    view += dt
                views[years].append(view)
        print(f"\n{len(dashboard_requests())} requests per dashboard view (default: last 12 months), "
              f"{a.rounds} rounds, {'SQLite' if a.sqlite else 'PostgreSQL'}")
        print(f"{'history':>10} {'p50 ms':>8} {'p95 ms':>8} {'view median ms':>15}")
        for years in (1, 10):
            print(f"{years:>4} year(s) {pct(lat[years], .5) * 1000:8.1f} {pct(lat[years], .95) * 1000:8.1f} "
                  f"{statistics.median(views[years]) * 1000:15.0f}")
        if a.per_request:
            for (years, path), xs in sorted(per_path.items()):
                print(f"  {years:>2}y {path:<45} median {statistics.median(xs) * 1000:7.1f} ms")
        print(f"ratio 10y/1y: p50 {pct(lat[10], .5) / pct(lat[1], .5):.2f}x, p95 {pct(lat[10], .95) / pct(lat[1], .95):.2f}x, "
              f"view {statistics.median(views[10]) / statistics.median(views[1]):.2f}x  (goal <= 1.5x)")
    finally:
        for c in clients.values():
            c.close()
        for url in urls:
            drop(url)


if __name__ == "__main__":
    main()
