"""Benchmark: the work queue with 2,000 open cases and a unit's week with 500 times, against a workspace page that
calls no service, in the same session and the same run (issue 24).

Intake and booking run as their real HTTP apps on fresh stores (in-process ASGI, JWT checked; no broker: these
are reads); the workspace runs as its real app with its services' client routed to them in process. Intake gets
`--cases` open referrals not yet assessed (before issue 24's paging the work queue listed the oldest 500, now
a page of 50 with the whole queue's counts), booking `--times` times in one unit's week (now drawn as counts
per day and one day's times). One kc_head session (signed in through the workspace's local sign-in) then asks, alternately,
`--rounds` times: the work queue's cases panel (`/queue/cases`: intake's `/api/work-queue`, audited, rendered),
the unit's week (`/unit`: booking's units, the week, the waiting list and the runway, rendered), and the queue page
itself (`/queue`: a page that calls no service, the baseline). It prints each one's p50 and p95 and the ratio of
p50s, with the load average; then, to show where a page's time is, intake's own routes asked directly (same
transport, a kc_head token): the work queue's page of 50, the same with one row (its counts, audit and commit
without the rows), and the language list (a route that reads nothing: HTTP layers and the JWT check alone).

    .venv/bin/python -m bench.workspace_pages [--cases 2000] [--times 500] [--rounds 30] [--database sqlite]
Target (issue 24): each p50 <= 3x the baseline's.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlmodel import Session

from bench.kpi_history import database, drop
from services.booking.app import build as build_booking
from services.booking.settings import BookingSettings
from services.booking.store import Slot
from services.chassis.clock import STOCKHOLM, FixedClock
from services.chassis.issuer import LocalIssuer
from services.intake.app import build as build_intake
from services.intake.settings import IntakeSettings
from services.intake.store.tables import CaseRow, OpenCaseRow
from services.workspace.app import build as build_workspace
from services.workspace.settings import WorkspaceSettings

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday
UNIT = "hc-ersboda"


class Route(httpx.AsyncBaseTransport):
    """The workspace's calls to http://<service>/... answered by that service's app in this process."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


def seed_intake(db: Any, n: int) -> None:
    """`n` open referrals not yet assessed, their clocks over the last three weeks."""
    rows: list[Any] = []
    for i in range(n):
        ref, case = f"P-{uuid.uuid4().hex[:20].upper()}", f"C-{i:012d}"
        clock = NOW - timedelta(minutes=15 * i)
        rows += [CaseRow(case_id=case, patient_ref=ref, status="open", channel="edi", source="healthcare",
                         clock_start=clock, received_at=clock, opened_at=clock, age_years=5 + i % 12,
                         sex="female" if i % 2 else "male", municipality="Umeå", triage_hint="none"),
                 OpenCaseRow(patient_ref=ref, case_id=case)]
    with Session(db.engine) as s:
        s.add_all(rows)
        s.commit()


def seed_booking(db: Any, n: int) -> None:
    """`n` times in the unit's week: five days, from 08:00, every few minutes."""
    monday = NOW.astimezone(STOCKHOLM).replace(hour=8, minute=0, second=0, microsecond=0)
    per_day = -(-n // 5)
    step = timedelta(minutes=max(1, 540 // per_day))
    with Session(db.engine) as s:
        s.add_all([Slot(slot_id=f"S-{i:08d}", unit_id=UNIT, starts_at=monday + timedelta(days=i // per_day)
                        + step * (i % per_day), ends_at=monday + timedelta(days=i // per_day) + step * (i % per_day + 1),
                        profession="psychologist", visit_type="new_visit") for i in range(n)])
        s.commit()


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def measure(ws: Any, rounds: int) -> dict[str, list[float]]:
    pages = {"work queue (/queue/cases)": "/queue/cases", "unit's week (/unit)": f"/unit?unit_id={UNIT}&week=2026-11-23",
             "baseline: /queue (no service)": "/queue"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=ws), base_url="http://localhost") as c:
        page = await c.get("/signin")  # the sign-in form's CSRF token, bound to its pre-session cookie
        token = re.search(r'<meta name="csrf-token" content="([^"]*)">', page.text)
        assert token, page.text[:300]
        r = await c.post("/signin", data={"csrf_token": token.group(1), "role": "kc_head", "unit": "", "lang": "sv"},
                         headers={"Origin": "http://localhost"})
        assert r.status_code == 303, r.text
        first = (await c.get("/queue/cases", headers={"HX-Request": "true"})).text
        following = re.search(r'hx-get="(/queue/cases\?after=[^"]+)"', first)
        if following:  # a person's next clicks: the queue's next page, another day of the week
            pages["  its next page"] = following.group(1).replace("&amp;", "&")
            pages["  another day of the week"] = f"/unit/week?unit_id={UNIT}&week=2026-11-23&day=2026-11-25"
        times: dict[str, list[float]] = {k: [] for k in pages}
        for i in range(rounds + 2):
            for name, path in pages.items():
                t = time.perf_counter()
                r = await c.get(path, headers={"HX-Request": "true"} if "/queue/" in path or "/unit/" in path else {})
                dt = time.perf_counter() - t
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
                if i >= 2:  # two warm-up rounds
                    times[name].append(dt)
        r = await c.get("/queue/cases", headers={"HX-Request": "true"})
        rows = r.text.count("<tr") - 1  # less the header row
        assert rows >= 50, "the work queue should show a page of cases"
        print(f"  the work queue's panel: {rows} rows; its words: "
              + " ".join(re.sub(r"<[^>]+>", " ", r.text.split("</p>")[0]).split())[-120:], flush=True)
    return times


async def intake_alone(intake: Any, token: str, rounds: int) -> dict[str, list[float]]:
    routes = {"intake: work queue, 50 rows": "/api/work-queue?limit=50",
              "intake: work queue, 1 row": "/api/work-queue?limit=1",
              "intake: language list (no read)": "/api/languages"}
    times: dict[str, list[float]] = {k: [] for k in routes}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=intake), base_url="http://intake",
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        for i in range(rounds + 2):
            for name, path in routes.items():
                t = time.perf_counter()
                r = await c.get(path)
                dt = time.perf_counter() - t
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
                if i >= 2:
                    times[name].append(dt)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--times", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ws-pages-"))
    issuer = LocalIssuer(tmp / "keys")
    clock = FixedClock(NOW)
    urls = [database(a.database, tmp, "intake"), database(a.database, tmp, "booking")]
    try:
        irt, intake = build_intake(IntakeSettings(data_dir=tmp / "intake", database_url=urls[0],
                                                  auth_jwks_file=issuer.jwks_file), clock=clock)
        brt, booking = build_booking(BookingSettings(data_dir=tmp / "booking", database_url=urls[1],
                                                     auth_jwks_file=issuer.jwks_file), clock=clock)
        irt.migrate()
        brt.migrate()
        seed_intake(irt.db, a.cases)
        seed_booking(brt.db, a.times)
        _, ws = build_workspace(WorkspaceSettings(data_dir=tmp / "ws", local_signin=True, local_issuer_dir=tmp / "keys",
                                                  intake_url="http://intake", booking_url="http://booking"))
        ws.state.web.backend.http = httpx.AsyncClient(transport=Route({"intake": intake, "booking": booking}))
        print(f"{a.cases:,} open cases, {a.times} times in {UNIT}'s week, {a.database}; load average {load()}",
              flush=True)
        times = asyncio.run(measure(ws, a.rounds))
        times |= asyncio.run(intake_alone(intake, issuer.token("kc_head", subject="bench"), a.rounds))
        base = statistics.median(times["baseline: /queue (no service)"])
        for name, xs in times.items():
            p95 = sorted(xs)[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
            print(f"  {name:<32} p50 {statistics.median(xs) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                  f"{statistics.median(xs) / base:5.2f}x the baseline")
        print(f"load average at the end {load()}  (target: each <= 3x)")
        irt.db.dispose()
        brt.db.dispose()
    finally:
        for url in urls:
            drop(url)


if __name__ == "__main__":
    main()
