"""Benchmark: the Monday morning after a school holiday (issue 24, item 3) — staff work calls and referrals
through the workspace while schools send the backlog of referrals written over the holiday.

The five services and the workspace run as processes on the embedded broker (`kontakt up`'s System, SQLite).
First the idle system: one call handler and one clinician go through their steps `--idle-rounds` times, one
after the other. Then the burst, for `--seconds`: `--clients` staff clients signed in to the workspace (three
in five call handlers, the rest clinicians), each pausing `--think` seconds (± half) between steps as a person
does, while `--referrals` school referrals are posted to intake's school form API four at a time from the start.
  call handler: a call rings (the call platform's steps to intake, not timed), then /queue/calls,
                /calls/{id}, POST /calls/{id}/case (the child's personnummer), /cases/{id}, /cases/{id}/interview
  clinician:    /queue/cases (the work queue), /cases/{id} of a listed case, POST /cases/{id}/advice
It prints each step's p50 and p99 in the burst against its p50 on the idle system, and the time from the
burst's end until every projection agrees: no unsent outbox row in any service, every consumer group's
committed offsets at the end of its topics, and every case intake holds known to triage, booking and kpi.

    .venv/bin/python -m bench.holiday_burst [--clients 20] [--referrals 200] [--seconds 30] [--think 1.0]
                                            [--http-workers 1]
Goal (issue 24): p99 of every step <= 5x its idle p50; projections agree within 10 s of the burst's end.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from contracts.common import MUNICIPALITIES
from kontakt.broker import free_port
from kontakt.callplatform import plan_call, ring_async
from kontakt.client import personnummer
from kontakt.system import APPS, SERVICES, System
from services.booking.handlers import SUBSCRIPTIONS as BOOKING
from services.chassis.issuer import LocalIssuer
from services.chassis.lag import consumer_lag
from services.intake.handlers import SUBSCRIPTIONS as INTAKE
from services.kpi.handlers import SUBSCRIPTIONS as KPI
from services.notifications.handlers import SUBSCRIPTIONS as NOTIFICATIONS
from services.triage.handlers import SUBSCRIPTIONS as TRIAGE

GROUPS = [(s.name, list(s.topics)) for s in (*INTAKE, *TRIAGE, *BOOKING, *NOTIFICATIONS, *KPI)]
CASE_TABLES = {"triage": "triage_case", "booking": "booking_cases", "kpi": "kpi_case_facts"}
Times = dict[str, list[float]]
NO_ANSWER = 599  # counted for a request whose connection failed (reset, timed out)
# idle connections dropped before uvicorn's 5 s keep-alive ends: else a request may race the server's close
LIMITS = httpx.Limits(keepalive_expiry=2.0)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def token_of(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', page)
    assert found, page[:300]
    return found.group(1)


class Bench:
    """The running system, its tokens, and every timed step's durations and answers."""

    def __init__(self, system: System, think: float, rng: random.Random) -> None:
        self.system, self.think, self.rng = system, think, rng
        self.issuer = LocalIssuer(system.data_dir / "keys")
        self.platform = self.issuer.token("ops", subject="S-BENCH-PLATFORM")
        self.times: Times = defaultdict(list)
        self.answers: Counter[tuple[str, int]] = Counter()
        self.last = 0.0  # when the last answer came: the burst ends there, not after the clients' last pause

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.system.ports[name]}"

    async def timed(self, step: str, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response | None:
        """The step's answer, its time kept; None when the connection failed (counted as answer 599)."""
        t = time.perf_counter()
        try:
            r = await send()
        except httpx.TransportError:
            self.answers[(step, NO_ANSWER)] += 1
            return None
        self.times[step].append(time.perf_counter() - t)
        self.answers[(step, r.status_code)] += 1
        self.last = time.monotonic()
        return r

    async def pause(self) -> None:
        if self.think:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def child(self, school_age: bool = False) -> dict[str, str]:
        today = date.today()
        born = today - timedelta(days=self.rng.randint(7 if school_age else 4, 17) * 365 + self.rng.randint(30, 330))
        return {"identity_number": personnummer(born, self.rng, self.rng.random() < 0.5),
                "municipality": self.rng.choice(MUNICIPALITIES)}

    async def signed_in(self, role: str) -> httpx.AsyncClient:
        """Signed in as the workspace's pages do it: each write from its own origin with the page's CSRF token."""
        c = httpx.AsyncClient(base_url=self.url("workspace"), timeout=60, limits=LIMITS,
                              headers={"Origin": self.url("workspace")})
        r = await c.post("/signin", data={"csrf_token": token_of((await c.get("/signin")).text), "role": role,
                                          "unit": "", "lang": "sv"})
        assert r.status_code == 303, (role, r.status_code, r.text[:300])
        c.headers["X-CSRF-Token"] = token_of((await c.get("/queue")).text)  # the session's, as htmx sends it
        return c

    async def call_handler(self, c: httpx.AsyncClient, intake: httpx.AsyncClient) -> None:
        """One answered call, taken and turned into a case through the workspace."""
        call = plan_call("answered", now=datetime.now(UTC), rng=self.rng)
        try:
            await ring_async(call, self.url("intake"), self.platform, intake)
        except httpx.TransportError:
            self.answers[("the call rings (platform to intake, not timed)", NO_ANSWER)] += 1
            return
        await self.timed("answered calls (/queue/calls)", lambda: c.get("/queue/calls", headers={"HX-Request": "1"}))
        await self.pause()
        await self.timed("call page (/calls/{id})", lambda: c.get(f"/calls/{call.call_id}"))
        await self.pause()
        r = await self.timed("open the case (POST /calls/{id}/case)", lambda: c.post(
            f"/calls/{call.call_id}/case", data={"source": "guardian", "preferred_channel": "sms",
                                                 "phone": "+46701740650", **self.child()}))
        case = re.search(r"/cases/(C-[0-9A-Z]+)", r.headers.get("location", "") if r else "")
        if case is None:
            return
        await self.pause()
        await self.timed("case page (/cases/{id})", lambda: c.get(f"/cases/{case[1]}"))
        await self.timed("interview panel (/cases/{id}/interview)",
                         lambda: c.get(f"/cases/{case[1]}/interview", headers={"HX-Request": "1"}))
        await self.pause()

    async def clinician(self, c: httpx.AsyncClient) -> None:
        """One referral from the work queue, read and closed with advice."""
        r = await self.timed("work queue (/queue/cases)", lambda: c.get("/queue/cases", headers={"HX-Request": "1"}))
        listed = re.findall(r'data-case="(C-[0-9A-Z]+)"', r.text if r else "")
        await self.pause()
        if not listed:
            return
        case = self.rng.choice(listed)
        await self.timed("case page (/cases/{id})", lambda: c.get(f"/cases/{case}"))
        await self.pause()
        await self.timed("advice (POST /cases/{id}/advice)", lambda: c.post(
            f"/cases/{case}/advice", data={"topics": "sleep"}, headers={"HX-Request": "1"}))
        await self.pause()

    async def schools_send(self, n: int, at_once: int = 4) -> float:
        """`n` school referrals through intake's school form API, `at_once` in flight; when the last was taken."""
        async with httpx.AsyncClient(base_url=self.url("intake"), timeout=60, limits=LIMITS) as http:
            r = await http.get("/api/schools", headers={"Authorization": f"Bearer {self.platform}"})
            schools = [s["id"] for s in r.json()["schools"]]
            tokens = {s: self.issuer.token("school_sender", school=s, subject=f"S-BENCH-{s.upper()}") for s in schools}
            gate = asyncio.Semaphore(at_once)

            async def send(i: int) -> None:
                school = schools[i % len(schools)]
                form = {"child": self.child(school_age=True), "problem_areas": ["school_absence"],
                        "question": "Eleven är mycket borta från skolan efter lovet.",
                        "tried_steps": ["student_health_talks"], "tried_text": "",
                        "consent": {"given": True, "by": "both_guardians", "how": "in_person",
                                    "on": date.today().isoformat()},
                        "sender": {"name": "Bänk Skolsköterska", "title": "school_nurse", "phone": "090-12 34 56"}}
                async with gate:
                    try:
                        r = await http.post("/api/referrals/school", data={"referral": json.dumps(form)},
                                            headers={"Authorization": f"Bearer {tokens[school]}",
                                                     "Idempotency-Key": uuid.uuid4().hex})
                    except httpx.TransportError:
                        self.answers[("school referral (intake API, not timed)", NO_ANSWER)] += 1
                        return
                self.answers[("school referral (intake API, not timed)", r.status_code)] += 1
                self.last = time.monotonic()

            await asyncio.gather(*(send(i) for i in range(n)))
        return time.monotonic()


def read(data_dir: Path, service: str, sql: str) -> list[Any]:
    with sqlite3.connect(f"file:{data_dir / f'{service}.db'}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def settled(data_dir: Path) -> bool:
    """No unsent outbox row anywhere, and every case intake holds known to triage, booking and kpi."""
    def rows(service: str, sql: str) -> list[Any]:
        return read(data_dir, service, sql)
    if any(rows(s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] for s in SERVICES):
        return False
    cases = {row[0] for row in rows("intake", "SELECT case_id FROM cases")}
    return all(cases <= {row[0] for row in rows(s, f"SELECT case_id FROM {t}")} for s, t in CASE_TABLES.items())


async def agreed(bench: Bench, since: float, timeout: float) -> float | None:
    """Seconds from `since` until every projection agrees (see `settled`, and every group's lag zero)."""
    bootstrap = bench.system.bootstrap or ""
    while time.monotonic() - since < timeout:
        if await asyncio.to_thread(settled, bench.system.data_dir):
            lags = [await consumer_lag(bootstrap, g, topics) for g, topics in GROUPS]
            if not any(sum(lag.values()) for lag in lags) and await asyncio.to_thread(settled, bench.system.data_dir):
                return time.monotonic() - since
        await asyncio.sleep(0.5)
    return None


async def run(bench: Bench, a: argparse.Namespace) -> tuple[Times, Times, float | None]:
    intake = httpx.AsyncClient(timeout=60, limits=LIMITS)
    handler, clinician = await bench.signed_in("call_handler"), await bench.signed_in("clinician")
    await bench.schools_send(20)  # the Friday before: a few referrals in the work queue
    bench.think, think = 0.0, bench.think
    for _ in range(a.idle_rounds):
        await bench.call_handler(handler, intake)
        await bench.clinician(clinician)
    idle, bench.times = dict(bench.times), defaultdict(list)
    print(f"idle: {a.idle_rounds} rounds of each; projections agree after "
          f"{await agreed(bench, time.monotonic(), a.agree_timeout)} s; load average {load()}", flush=True)
    bench.think = think
    clients = [(await bench.signed_in("call_handler" if i % 5 < 3 else "clinician")) for i in range(a.clients)]
    began = time.monotonic()
    deadline = began + a.seconds

    async def work(i: int, c: httpx.AsyncClient) -> None:
        await asyncio.sleep(bench.rng.uniform(0, bench.think))  # they do not all click at the same instant
        while time.monotonic() < deadline:
            await (bench.call_handler(c, intake) if i % 5 < 3 else bench.clinician(c))

    sent = asyncio.create_task(bench.schools_send(a.referrals))
    await asyncio.gather(*(work(i, c) for i, c in enumerate(clients)))
    last_referral = await sent
    end = bench.last
    print(f"burst: {time.monotonic() - began:.1f} s, the last school referral taken after {last_referral - began:.1f} s;"
          f" load average {load()}", flush=True)
    agree = await agreed(bench, end, a.agree_timeout)
    for c in [intake, handler, clinician, *clients]:
        await c.aclose()
    return idle, dict(bench.times), agree


def pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, max(0, round(p * len(xs)) - 1))]


def report(bench: Bench, idle: Times, burst: Times, agree: float | None) -> None:
    print(f"{'step':<42} {'idle p50':>9} {'burst n':>8} {'p50':>8} {'p99':>8}  p99 / idle p50")
    for step, xs in burst.items():
        base = statistics.median(idle[step]) if idle.get(step) else float("nan")
        print(f"{step:<42} {base * 1000:7.0f}ms {len(xs):8d} {statistics.median(xs) * 1000:6.0f}ms "
              f"{pct(xs, 0.99) * 1000:6.0f}ms  {pct(xs, 0.99) / base:6.1f}x")
    refused = {k: n for k, n in bench.answers.items() if k[1] >= 400}
    print(f"answers >= 400 ({NO_ANSWER}: the connection failed): {refused or 'none'}")
    print(f"projections agree {agree:.1f} s after the burst's end" if agree is not None else
          "projections did not agree within the timeout")
    cases = read(bench.system.data_dir, "intake", "SELECT count(*) FROM cases")[0][0]
    print(f"{cases} cases in intake; {len(GROUPS)} consumer groups checked")
    print(f"load average {load()}  (goal: p99 <= 5x idle p50; agree within 10 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20, help="staff clients in the burst (issue: 50)")
    ap.add_argument("--referrals", type=int, default=200, help="school referrals sent in the burst (issue: 500)")
    ap.add_argument("--seconds", type=float, default=30, help="how long the staff work (issue: 60)")
    ap.add_argument("--think", type=float, default=1.0, help="a person's pause between steps, seconds (± half)")
    ap.add_argument("--idle-rounds", type=int, default=8)
    ap.add_argument("--agree-timeout", type=float, default=180)
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--http-workers", type=int, default=1,
                    help="HTTP worker processes of each of the five services (the workspace runs one)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="holiday-") as tmp:
        system = System(data_dir=Path(tmp), broker_port=free_port(),
                        ports={name: free_port() for name in [*SERVICES, *APPS]},
                        sink_ports=(free_port(), free_port()), broker_kind="tansu",
                        extra_env={"KAFKA_ENABLE_IDEMPOTENCE": "false",
                                   **{f"{s.upper()}_HTTP_WORKERS": str(a.http_workers) for s in SERVICES}})
        try:
            print(f"starting the five services and the workspace; load average {load()}", flush=True)
            system.start()
            bench = Bench(system, a.think, random.Random(a.seed))
            idle, burst, agree = asyncio.run(run(bench, a))
            print(f"{a.clients} staff clients for {a.seconds:g} s (think {a.think:g} s), {a.referrals} school "
                  f"referrals, SQLite, embedded broker, {a.http_workers} HTTP worker(s) per service")
            report(bench, idle, burst, agree)
        finally:
            system.stop()


if __name__ == "__main__":
    main()
