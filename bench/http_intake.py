"""Intake referral acceptance under 50 concurrent clients, against a bare FastAPI route doing one insert.

    .venv/bin/python -m bench.http_intake [--clients 50] [--seconds 20] [--rounds 2] [--workers 2]
        [--database postgres|sqlite] [--profile intake.speedscope.json [--gil]]

Both servers run as their own processes on the same database kind, in the same run: the baseline is a
FastAPI app with one sync route that inserts one row (no auth, no validation beyond a small model);
ours is the intake service as `kontakt up` starts it (token check, personnummer, municipality, sealing
the contact, the case, its contact row, the audit row and the outbox row in one transaction, and the
relay publishing the event). The load comes from separate client processes, closed loop: each client
sends its next request when the last one answered.

Besides requests/s and latency (which swing with whatever else the shared machine runs), it prints the CPU
time each server's processes spent per answered request (/proc, the uvicorn supervisor and its workers),
and the load average before and after: the CPU figure is the one that does not depend on the neighbours.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from kontakt.broker import free_port, wait_for_port
from kontakt.client import personnummer
from kontakt.system import System
from services.chassis.issuer import LocalIssuer

MUNICIPALITIES = ["Umeå", "Skellefteå", "Lycksele", "Vännäs", "Robertsfors", "Nordmaling", "Vindeln"]


class BaselineBody(BaseModel):
    external_ref: str
    child: dict[str, str]


# -- the baseline server ------------------------------------------------------------------------------
def baseline_app(database_url: str) -> Any:
    from fastapi import FastAPI
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert

    from services.chassis.db import make_engine

    md = MetaData()
    rows = Table("bench_referral", md, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("external_ref", String(64)), Column("municipality", String(40)), Column("at", DateTime))
    engine = make_engine(database_url)
    md.create_all(engine)
    app = FastAPI()

    @app.post("/api/referrals", status_code=201)
    def referral(body: BaselineBody) -> dict[str, str]:
        from datetime import datetime

        with engine.begin() as conn:
            conn.execute(insert(rows).values(external_ref=body.external_ref, municipality=body.child["municipality"],
                                             at=datetime.now(UTC)))
        return {"external_ref": body.external_ref}

    return app


def serve_baseline(port: int, database_url: str, workers: int) -> None:
    import uvicorn

    os.environ["BENCH_BASELINE_DB"] = database_url
    uvicorn.run("bench.http_intake:_baseline_factory", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning", access_log=False)


def _baseline_factory() -> Any:
    return baseline_app(os.environ["BENCH_BASELINE_DB"])


# -- CPU accounting -----------------------------------------------------------------------------------
def tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of `root` and every live descendant (from /proc; Linux only)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime, stime
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(kids)
        frontier += kids
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the load ------------------------------------------------------------------------------------------
def referral_body(rng: random.Random) -> dict[str, Any]:
    born = date(2008 + rng.randint(0, 9), rng.randint(1, 12), rng.randint(1, 28))
    return {"channel": "edi", "source": "healthcare", "authored_on": "2026-11-02",
            "external_ref": f"bench-{uuid.uuid4().hex[:16]}",
            "child": {"identity_number": personnummer(born, rng, rng.random() < 0.5),
                      "municipality": rng.choice(MUNICIPALITIES)},
            "contact": {"phone": "+46701234567", "preferred_channel": "sms"}, "reason_codes": ["anxiety"]}


async def _clients(url: str, token: str, clients: int, seconds: float, seed: int) -> tuple[list[float], int]:
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=30.0) as http:
        stop_at = time.monotonic() + seconds

        async def one_client() -> None:
            nonlocal errors
            while time.monotonic() < stop_at:
                body = referral_body(rng)
                t0 = time.perf_counter()
                try:
                    r = await http.post("/api/referrals", json=body)
                    ok = r.status_code in (200, 201)
                    if not ok:
                        print(f"error answer {r.status_code}: {r.text[:300]}", file=sys.stderr)
                except httpx.HTTPError as exc:
                    ok = False
                    print(f"request failed: {type(exc).__name__}", file=sys.stderr)
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors


def _client_proc(url: str, token: str, clients: int, seconds: float, seed: int, out: Any) -> None:
    out.put(asyncio.run(_clients(url, token, clients, seconds, seed)))


def load(url: str, token: str, clients: int, seconds: float, procs: int) -> tuple[list[float], int]:
    """Latencies of the answered requests and the number of errors, from `procs` client processes."""
    q: Any = mp.Queue()
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    workers = [mp.Process(target=_client_proc, args=(url, token, n, seconds, i, q)) for i, n in enumerate(per)]
    for w in workers:
        w.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        lat, err = q.get()
        latencies += lat
        errors += err
    for w in workers:
        w.join()
    return latencies, errors


def summary(rounds: list[tuple[list[float], int, float]], seconds: float) -> dict[str, float]:
    """requests/s, p50, p99 (ms), errors and server CPU ms per answered request over all rounds."""
    latencies = sorted(x for lat, _, _ in rounds for x in lat)
    n = len(latencies)
    q99 = statistics.quantiles(latencies, n=100)[98] if n > 100 else float("nan")
    return {"rps": n / (seconds * len(rounds)), "p50": statistics.median(latencies) * 1000, "p99": q99 * 1000,
            "errors": sum(e for _, e, _ in rounds), "n": n, "cpu_ms": sum(c for _, _, c in rounds) * 1000 / max(1, n)}


def warm(url: str, token: str) -> None:
    rng = random.Random(99)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for _ in range(20):
            r = http.post("/api/referrals", json=referral_body(rng))
            r.raise_for_status()


def database_urls(kind: str, tmp: Path) -> tuple[str, str, str]:
    """(intake's database, its key vault, the baseline's database) on the same engine kind. On PostgreSQL
    the key vault is a database of its own, as docker-compose runs it (KONTAKT_KEYVAULT_URL)."""
    if kind == "sqlite":
        return "", "", f"sqlite:///{tmp / 'baseline.db'}"
    import psycopg

    base = os.environ.get("KONTAKT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    names = [f"bench_{uuid.uuid4().hex[:8]}_{n}" for n in ("intake", "keyvault", "baseline")]
    with psycopg.connect(base, autocommit=True) as conn:
        for n in names:
            conn.execute(f'CREATE DATABASE "{n}"')
    root = base.rsplit("/", 1)[0]
    return f"{root}/{names[0]}", f"{root}/{names[1]}", f"{root}/{names[2]}"


def drop_databases(urls: list[str]) -> None:
    import psycopg

    base = os.environ.get("KONTAKT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base, autocommit=True) as conn:
        for url in urls:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of baseline then intake")
    ap.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--workers", type=int, default=0, help="uvicorn workers for both servers (0: intake's default)")
    ap.add_argument("--profile", type=Path, default=None, help="py-spy record intake during the load (speedscope)")
    ap.add_argument("--gil", action="store_true", help="with --profile: only samples holding the GIL (Python CPU)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        intake_db, vault_db, baseline_db = database_urls(args.database, tmp)
        env = {"INTAKE_DATABASE_URL": intake_db, "KONTAKT_KEYVAULT_URL": vault_db} if intake_db else {}
        if args.workers:
            env["INTAKE_HTTP_WORKERS"] = str(args.workers)
        system = System(data_dir=tmp, broker_port=free_port(), ports={"intake": free_port()}, services=["intake"],
                        extra_env=env)
        token = LocalIssuer(tmp / "keys").token("ops", subject="S-BENCH", ttl_s=3600)
        base_port = free_port()
        baseline = None
        try:
            system.start_broker()
            system.start_service("intake")
            system.wait_ready(["intake"])
            from services.intake.settings import IntakeSettings

            workers = args.workers or IntakeSettings().http_workers
            baseline = subprocess.Popen([sys.executable, "-c", "import sys; from bench.http_intake import "
                                         "serve_baseline; serve_baseline(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))",
                                         str(base_port), baseline_db, str(workers)], start_new_session=True)
            wait_for_port("127.0.0.1", base_port, timeout=120)
            base_url, ours_url = f"http://127.0.0.1:{base_port}", f"http://127.0.0.1:{system.ports['intake']}"
            warm(base_url, token)
            warm(ours_url, token)
            intake_pid = system.procs["intake"].pid
            cpu0 = tree_cpu_s(intake_pid)
            time.sleep(5)
            idle_ms_per_s = (tree_cpu_s(intake_pid) - cpu0) * 1000 / 5
            load_before = load_avg()
            spy = None
            runs: dict[str, list[tuple[list[float], int, float]]] = {"base": [], "ours": []}
            for round_no in range(args.rounds):  # alternating, so both see the same neighbours on average
                for name, url, pid in (("base", base_url, baseline.pid), ("ours", ours_url, intake_pid)):
                    if name == "ours" and round_no == 0 and args.profile:
                        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record",
                                                "--subprocesses", "--pid", str(pid), "--format", "speedscope",
                                                "--output", str(args.profile), "--duration", str(int(args.seconds)),
                                                *(["--gil"] if args.gil else [])], stdout=subprocess.DEVNULL)
                    cpu0 = tree_cpu_s(pid)
                    lat, err = load(url, token, args.clients, args.seconds, args.client_procs)
                    runs[name].append((lat, err, tree_cpu_s(pid) - cpu0))
            base, ours = summary(runs["base"], args.seconds), summary(runs["ours"], args.seconds)
            load_after = load_avg()
            if spy is not None:
                spy.wait(60)
        finally:
            if baseline is not None:
                baseline.terminate()
                baseline.wait(20)
            system.stop()
            drop_databases([u for u in (intake_db, vault_db, baseline_db) if u.startswith("postgresql")])
            log = tmp / "logs" / "intake.log"
            bad = [ln for ln in log.read_text(errors="replace").splitlines()
                   if '"level": "ERROR"' in ln or '"level": "WARNING"' in ln] if log.exists() else []
            for ln in bad[:5]:
                print(f"intake log: {ln[:400]}", file=sys.stderr)
    print(f"{args.clients} concurrent clients, {args.rounds} alternating round(s) of {args.seconds:.0f} s per server, "
          f"{args.database}, {workers} uvicorn worker(s) per server; load average before {load_before}, after "
          f"{load_after}; intake idle (relay, consumers) {idle_ms_per_s:.0f} ms CPU/s")
    for name, r in (("bare FastAPI + one insert", base), ("intake POST /api/referrals", ours)):
        print(f"{name:28s} {r['rps']:7.1f} req/s   p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms   "
              f"errors {r['errors']:.0f}   server CPU {r['cpu_ms']:5.2f} ms/request")
    print(f"ratio intake/baseline req/s: {ours['rps'] / base['rps']:.2f}   p99: {ours['p99'] / base['p99']:.2f}x   "
          f"server CPU per request: {ours['cpu_ms'] / base['cpu_ms']:.2f}x")


if __name__ == "__main__":
    main()
