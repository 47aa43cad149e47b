"""Benchmark: every request the KPI dashboard sends, against the figure-list route, at one and ten years of history.

For each database asked for (SQLite and PostgreSQL by default), two stores are built (bench/kpi_history.py: one
year of synthetic history, and ten years whose last year is the same kind of year). Each gets the service's real
HTTP app (in-process ASGI, the same JWT checked on every request). In one run, alternating between the stores
--rounds times, it sends:
  - the page's requests for its default view (app.js `init` and `refresh`: the figure list, eleven charts'
    figures, the clock board and the two equal-care tables; period the last 12 months), each followed by one
    request to the figure list (`GET /api/kpi/figures`: the same app and auth, no figures folded) as the
    baseline sampled under the same load;
  - a filter change of each kind (municipality, unit, sex, period): the page's requests again with the filter.
It prints each request's p50 and its ratio to the figure list's p50; the issue's default view (the 11 requests
it names: figure list, 3-day, phone, channels, triage, three waits, parent groups, deviations, clock board)
against eleven figure-list requests of the same round; the page's whole view and each filter change against
as many figure-list requests; and the load average.

    .venv/bin/python -m bench.kpi_queries [--databases sqlite,postgres] [--rounds 5] [--per-request]
Target (issue 24): every ratio <= 3.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from bench.kpi_history import TODAY, database, drop, fill
from services.chassis.clock import FixedClock
from services.chassis.issuer import LocalIssuer
from services.kpi.app import build
from services.kpi.replay import open_store, tallies_of
from services.kpi.settings import KpiSettings

LIST = "/api/kpi/figures"
CHARTS = ["assessment_3d", "calls", "referrals_by_channel", "school_referrals", "triage_split", "first_line_visit_7d",
          "bup_first_visit_30d", "care_guarantee_90d", "parent_groups"]
ISSUE_VIEW = {LIST, "assessment_3d", "calls", "referrals_by_channel", "triage_split", "first_line_visit_7d",
              "bup_first_visit_30d", "care_guarantee_90d", "parent_groups", "deviations", "clocks"}
FROM = f"{TODAY.year - (TODAY.month < 12)}-{(TODAY.month % 12) + 1:02d}"  # app.js: 11 months before this one
FILTERS = {"municipality": {"municipality": "Umeå"}, "unit": {"unit": "hc-ersboda"}, "sex": {"sex": "female"},
           "period": {"from": f"{TODAY.year - 1}-01", "to": f"{TODAY.year - 1}-06"}}


def page(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, path) of the requests the dashboard sends after a filter change (app.js `refresh`)."""
    p = {"from": FROM, "to": f"{TODAY:%Y-%m}", "grain": "month", **(extra or {})}

    def qs(d: dict[str, str]) -> str:
        return "&".join(f"{k}={v}" for k, v in d.items() if v)

    board = {k: p[k] for k in ("municipality", "unit") if k in p}
    equal = {k: p[k] for k in ("from", "to", "unit") if k in p}
    return ([(f, f"/api/kpi/figures/{f}?{qs(p)}") for f in CHARTS]
            + [("deviations", f"/api/kpi/figures/deviations?{qs({**p, 'grain': 'quarter'})}"),
               ("clocks", f"/api/kpi/clocks?{qs(board)}"),
               ("equal_care_municipality", f"/api/kpi/equal-care?{qs({**equal, 'by': 'municipality'})}"),
               ("equal_care_sex", f"/api/kpi/equal-care?{qs({**equal, 'by': 'sex'})}")])


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


class Timer:
    """Times requests of one client; every request is followed by a figure-list request as its baseline."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.times: dict[str, list[float]] = defaultdict(list)

    def one(self, path: str) -> float:
        t = time.perf_counter()
        r = self.client.get(path, headers=self.headers)
        dt = time.perf_counter() - t
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        return dt

    def view(self, key: str, requests: list[tuple[str, str]]) -> tuple[float, float, float, float]:
        """(the view's time, as many baseline requests, the issue's 11, their 11 baselines)."""
        total = base = issue = issue_base = 0.0
        for label, path in requests:
            dt, b = self.one(path), self.one(LIST)
            self.times[f"{key}:{label}"].append(dt)
            self.times[f"{key}:baseline"].append(b)
            total, base = total + dt, base + b
            if label in ISSUE_VIEW:
                issue, issue_base = issue + dt, issue_base + b
        return total, base, issue, issue_base


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def report(db: str, years: int, timer: Timer, views: dict[str, list[tuple[float, float, float, float]]],
           per_request: bool) -> list[float]:
    """Prints one store's figures; returns every ratio it printed."""
    base = p50(timer.times["default:baseline"])
    ratios = []
    print(f"\n{db}, {years} year(s) of history: figure list p50 {base * 1000:.1f} ms")
    for label, _ in [("figures", LIST), *page()]:
        xs = timer.times[f"default:{label}"]
        r = p50(xs) / base
        ratios.append(r)
        if per_request or r > 3:
            print(f"  {label:<26} p50 {p50(xs) * 1000:8.1f} ms   {r:5.2f}x the figure list")
    worst = max(ratios)
    print(f"  every request of the default view: worst {worst:.2f}x the figure list")
    for key, rows in views.items():
        whole = p50([t / b for t, b, _, _ in rows])
        line = f"  {key:<13} view {p50([t for t, *_ in rows]) * 1000:7.0f} ms = {whole:5.2f}x as many figure-list requests"
        ratios.append(whole)
        if key == "default":
            issue = p50([i / ib for *_, i, ib in rows])
            ratios.append(issue)
            line += f";  the issue's 11: {p50([i for *_, i, _ in rows]) * 1000:.0f} ms = {issue:.2f}x eleven"
        else:
            per = {label: p50(timer.times[f"{key}:{label}"]) / p50(timer.times[f"{key}:baseline"])
                   for label, _ in page()}
            worst = max(per, key=lambda k: per[k])
            ratios.append(per[worst])
            line += f";  worst request {per[worst]:.2f}x ({worst})"
        print(line)
    return ratios


def run(kind: str, a: argparse.Namespace, tmp: Path, issuer: LocalIssuer) -> list[float]:
    headers = {"Authorization": f"Bearer {issuer.token('kpi_analyst')}"}
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC).replace(hour=12)
    clients: dict[int, TestClient] = {}
    urls: list[str] = []
    try:
        for years in a.years:
            url = database(kind, tmp, f"{kind}{years}")
            urls.append(url)
            settings = KpiSettings(data_dir=tmp / f"{kind}{years}", database_url=url, auth_jwks_file=issuer.jwks_file)
            began = time.perf_counter()
            n = fill(open_store(settings), years, a.cases_per_year, a.calls_per_year, tallies_of(settings))
            print(f"{kind}: {years:>2} year(s), {n[0]:,} cases, {n[1]:,} calls, built in "
                  f"{time.perf_counter() - began:.0f} s", flush=True)
            rt, app = build(settings, clock=FixedClock(now))
            clients[years] = TestClient(app)
        timers = {y: Timer(c, headers) for y, c in clients.items()}
        views: dict[int, dict[str, list[tuple[float, float, float, float]]]] = {y: defaultdict(list) for y in clients}
        for t in timers.values():  # warm-up: connections, first imports
            t.view("warm", [("figures", LIST), *page()])
        print(f"{kind}: measuring, load average {load()}", flush=True)
        for _ in range(a.rounds):
            for years, t in timers.items():
                views[years]["default"].append(t.view("default", [("figures", LIST), *page()]))
                for name, extra in FILTERS.items():
                    views[years][name].append(t.view(name, page(extra)))
        ratios = []
        for years, t in timers.items():
            ratios += report("SQLite" if kind == "sqlite" else "PostgreSQL", years, t, views[years], a.per_request)
        print(f"{kind}: load average at the end {load()}")
        return ratios
    finally:
        for c in clients.values():
            c.close()
        for url in urls:
            drop(url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--databases", default="sqlite,postgres")
    ap.add_argument("--years", default="1,10", type=lambda s: [int(x) for x in s.split(",")])
    ap.add_argument("--cases-per-year", type=int, default=3000)
    ap.add_argument("--calls-per-year", type=int, default=12000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--per-request", action="store_true", help="print every request's p50, not only those over 3x")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kpi-queries-"))
    issuer = LocalIssuer(tmp / "keys")
    print(f"load average at the start {load()} ({os.cpu_count()} cores)")
    ratios = [r for kind in a.databases.split(",") for r in run(kind, a, tmp, issuer)]
    print(f"\nworst ratio of the run: {max(ratios):.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
