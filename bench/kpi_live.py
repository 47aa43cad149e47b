"""Benchmark: CPU per event of the kpi service's live path, one event per transaction (as before issue 16)
against the batch fold (services/kpi/live.py), on the same events in the same run, on SQLite and PostgreSQL.

Both paths run in this one process on a fresh store, through the chassis's own consumer code, from the
record's bytes to the committed transaction:
  per event  - decode; `Consumers.apply`: one transaction with the inbox check and row, and the handler
               before issue 16 (`project_one` below, verbatim from services/kpi/handlers.py and projection.py
               at d9feaf7: the case's row read and written through the ORM, its tags read, the rules
               evaluated), commit
  batch fold - decode a fetched batch; `Consumers.apply_batch`: one transaction with the batch's inbox check
               and rows and the kpi service's batch handler (`project_batch`), commit
The clock is the events' own time (live, an event is applied as it happens): the event's for one event,
the latest of the batch for a batch. The figure is events per CPU-second of this process
(time.process_time), i.e. on one core; on PostgreSQL the database server's CPU (its backends for this
database, from /proc) is printed beside it. Both paths must end in the same rows (checked) and tags (shown).

    .venv/bin/python -m bench.kpi_live [--cases 500] [--batch 500] [--database sqlite,postgres]
Goal (issue 16): the live path >= 2,000 events per CPU-second.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
from sqlalchemy import event as sa_event
from sqlmodel import Session, select

from bench.kpi_stream import Record, stream
from contracts.envelope import Event
from contracts.registry import parse_event
from services.chassis.clock import FixedClock
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime
from services.kpi.app import build
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.facts import Facts, facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge
from services.kpi.domain.views import CaseView
from services.kpi.domain.window import call_day, case_window, first_unit
from services.kpi.rules import load_rules
from services.kpi.settings import KpiSettings
from services.kpi.store.queries import count
from services.kpi.store.tables import CallFactsRow, CaseFactsRow, DeviationRow
from services.kpi.use_cases import tag_new_deviations

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
GROUP = "kpi.projections"
ROWS = {"case": (CaseFactsRow, CASE_OPS), "call": (CallFactsRow, CALL_OPS)}  # the baseline's own table map


def apply_facts(session: Session, bucket: str, key: str, facts: Facts, now: datetime) -> tuple[Facts | None, Facts]:
    """Merge `facts` into the stored row (locked on PostgreSQL); returns (before, after). (Before issue 16.)"""
    model, ops = ROWS[bucket]
    row = session.get(model, key, with_for_update=True)
    before = dict(row.facts) if row is not None else None
    after = merge(before, facts, ops)
    if row is None:
        row = model(**{"case_id" if bucket == "case" else "call_id": key}, facts=after, updated_at=now)
    else:
        row.facts = after
        row.updated_at = now
    if bucket == "case":
        row.known = after.get("ref") is not None  # type: ignore[union-attr]
        row.first_day, row.last_day = case_window(key, after)  # type: ignore[union-attr]
        row.unit = first_unit(after)  # type: ignore[union-attr]
    else:
        row.day = call_day(after)  # type: ignore[union-attr]
    session.add(row)
    return before, after


def project_one(uow: UnitOfWork, rules: RuleSet, event: Event, now: datetime) -> None:
    """The live handler before issue 16 (services/kpi/handlers.py `project` at d9feaf7), kept as the baseline."""
    extracted = facts_of(event.model_dump(mode="json"))
    if extracted is None:
        return
    bucket, key, facts = extracted
    before, after = apply_facts(uow.session, bucket, key, facts, now)
    if before and before.get("seen", "") > facts["seen"]:
        count(uow.session, "out_of_order")
    if bucket == "case" and after.get("ref") is None:
        count(uow.session, "unknown_case")
        return
    if bucket == "case":
        tag_new_deviations(uow, CaseView(key, after), rules, local_date(now), now)


def record_of(r: Record, offset: int) -> SimpleNamespace:
    """What the chassis reads of a fetched record besides its value (all on one partition here)."""
    return SimpleNamespace(topic=r[0], partition=0, offset=offset, key=r[1], value=r[2], headers=[])


def per_event(rt: ServiceRuntime, clock: FixedClock, rules: RuleSet, records: list[Record], batch: int) -> None:
    """As the chassis applied each record before issue 16: its own transaction with its inbox row."""
    def handler(event: Event, uow: UnitOfWork) -> None:
        project_one(uow, rules, event, clock.now())

    for offset, record in enumerate(records):
        event = parse_event(record[2])
        clock.at = event.occurred_at
        rt.consumers.apply(GROUP, handler, event, record_of(record, offset))


def batched(rt: ServiceRuntime, clock: FixedClock, rules: RuleSet, records: list[Record], batch: int) -> None:
    """As the chassis applies a fetched batch now: one transaction, its inbox rows, the batch handler."""
    group = rt.consumers.by_name[GROUP]
    for start in range(0, len(records), batch):
        items = [(parse_event(r[2]), record_of(r, start + i)) for i, r in enumerate(records[start:start + batch])]
        clock.at = max(e.occurred_at for e, _ in items)
        rt.consumers.apply_batch(group, items)


def backend_cpu_s(pids: set[int]) -> float:
    """CPU seconds of these PostgreSQL backends so far (utime + stime from /proc; 0 for one gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run(kind: str, path: Callable[..., None], records: list[Record], batch: int,
        tmp: Path) -> dict[str, Any]:
    name = f"kontakt_bench_kpi_{uuid.uuid4().hex[:8]}"
    if kind == "postgres":
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp / name}.db"
    try:
        clock = FixedClock(datetime(2023, 1, 1, tzinfo=UTC))
        rt, _ = build(KpiSettings(data_dir=tmp, database_url=url), clock=clock)
        rt.migrate()
        db = rt.db
        pids: set[int] = set()
        if kind == "postgres":
            sa_event.listen(db.engine, "connect", lambda conn, _: pids.add(conn.info.backend_pid))
            db.engine.dispose()  # connections from here on are seen
        rules = load_rules()
        server0 = backend_cpu_s(pids)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        path(rt, clock, rules, records, batch)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        server = backend_cpu_s(pids) - server0
        with Session(db.engine) as s:
            rows = ({r.case_id: (r.facts, r.first_day, r.last_day, r.unit) for r in s.exec(select(CaseFactsRow))},
                    {r.call_id: (r.facts, r.day) for r in s.exec(select(CallFactsRow))})
            tags = {(t.case_id, t.rule_id, t.item_key) for t in s.exec(select(DeviationRow))}
        db.dispose()
    finally:
        if kind == "postgres":
            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"cpu": cpu, "wall": wall, "server": server, "rows": rows, "tags": tags}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=500, help="cases in the stream (about 7.3 events each)")
    ap.add_argument("--batch", type=int, default=500, help="events per fetched batch for the batch fold")
    ap.add_argument("--database", default="sqlite,postgres")
    args = ap.parse_args()
    records = stream(args.cases)
    n = len(records)
    print(f"kpi live path: {n:,} events ({args.cases:,} cases), batches of {args.batch}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.database.split(","):
            got = {label: run(kind, path, records, args.batch, Path(tmp))
                   for label, path in (("one event per transaction", per_event), ("batch fold", batched))}
            for label, r in got.items():
                server = f"   database server {n / r['server']:>8,.0f} events/CPU-s" if kind == "postgres" and r["server"] else ""
                print(f"  {kind:<8} {label:<26} {n / r['cpu']:>7,.0f} events/CPU-s   wall {n / r['wall']:>7,.0f} "
                      f"events/s   tags {len(r['tags'])}{server}", flush=True)
            old, new = got["one event per transaction"], got["batch fold"]
            ok = ok and n / new["cpu"] >= 2000 and old["rows"] == new["rows"]
            print(f"  {kind:<8} ratio batch/per-event CPU {old['cpu'] / new['cpu']:.1f}x   "
                  f"same rows: {'yes' if old['rows'] == new['rows'] else 'NO'}   "
                  f"same tags: {'yes' if old['tags'] == new['tags'] else 'no'}", flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; goal >= 2,000 events per CPU-second "
          f"(batch fold): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
