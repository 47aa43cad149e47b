"""Batch rebuild of every projection from the start of the topics (`kontakt kpi replay`).

Not the live handler in a loop: raw aiokafka batches, fast JSON decoding (no models), facts folded in
memory a chunk at a time and merged into the store in one read and one write per touched row.
A chunk holds about `chunk_keys` cases and calls, so memory is bounded by it, not by the history.
It reads until caught up; events the live consumer also applies are harmless (the fold is idempotent).
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlmodel import Session

from services.chassis import migrations
from services.chassis.db import Database
from services.chassis.tables import chassis_metadata
from services.chassis.topics import partitions_of
from services.kpi.app import MIGRATIONS
from services.kpi.batch import Aligner, Folder
from services.kpi.domain.tally import Tallies
from services.kpi.handlers import INPUT_TOPICS
from services.kpi.rules import load_definitions, load_rules
from services.kpi.settings import KpiSettings
from services.kpi.store import queries, tally
from services.kpi.store.bulk import clear_projections
from services.kpi.store.tables import metadata

Progress = Callable[[int, int], None]  # (events read so far, events to read)


@dataclass
class ReplayStats:
    events: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def open_store(settings: KpiSettings) -> Database:
    """The store migrated, its kept figures under the settings' definitions (rebuilt from the facts if not)."""
    db = _migrated(settings)
    with Session(db.engine) as s:
        rebuilt = tally.ensure(s, tallies_of(settings))
        s.commit()
    if rebuilt:
        tally.analyze(db)
    return db


def _migrated(settings: KpiSettings) -> Database:
    db = Database(settings.resolved_database_url(), [chassis_metadata, metadata])
    migrations.upgrade(db, MIGRATIONS)
    return db


def tallies_of(settings: KpiSettings) -> Tallies:
    """The kept figures' counts under the definitions and rules the settings name."""
    return Tallies(load_definitions(settings.definitions_file), load_rules(settings.deviation_rules_file))


async def _assign(consumer: AIOKafkaConsumer, bootstrap: str, worker: int,
                  workers: int) -> tuple[list[TopicPartition], int]:
    """This worker's share: partition numbers p with p % workers == worker, on every input topic.

    Producers key every event of a case by its case id with the same partitioner and partition
    count, so a case's events meet in one worker; the flush lock keeps even a stray key safe.
    """
    partitions = await partitions_of(bootstrap, list(INPUT_TOPICS))
    tps = [TopicPartition(t, p) for t in INPUT_TOPICS for p in partitions.get(t, ()) if p % workers == worker]
    consumer.assign(tps)
    if not tps:
        return tps, 0
    await consumer.seek_to_beginning(*tps)
    start = await consumer.beginning_offsets(tps)
    end = await consumer.end_offsets(tps)
    return tps, sum(end[tp] - start[tp] for tp in tps)


async def caught_up(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> bool:
    """Every partition read to its end. Asked only after an empty fetch: the embedded broker (Tansu)
    reports a high watermark short of the last batch's records, so the end offsets alone cannot be trusted."""
    end = await consumer.end_offsets(tps)
    return all([await consumer.position(tp) >= end[tp] for tp in tps])


@dataclass
class Shared:
    """What the workers report to the parent while they run."""
    done: Any  # multiprocessing Array of events read per worker
    totals: Any  # ... and events to read per worker
    lock: Any  # one flush at a time: a read-merge-write of a row never interleaves with another's
    outcomes: Any  # Queue of Counter per worker at the end


async def _consume(settings: KpiSettings, db: Database, worker: int, workers: int, chunk_keys: int,
                   shared: Shared) -> Counter[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 << 20,
                                fetch_max_bytes=32 << 20, client_id=f"en-vag-in-kpi-replay-{worker}")
    await consumer.start()
    folder, events = Folder(tallies_of(settings)), 0
    try:
        tps, shared.totals[worker] = await _assign(consumer, settings.kafka_bootstrap_servers, worker, workers)
        aligner = Aligner(consumer)
        while tps:
            batch = await consumer.getmany(timeout_ms=100, max_records=20_000)
            if not batch:
                if aligner.resume_all():
                    continue
                if await caught_up(consumer, tps):
                    break
            for records in batch.values():
                for r in records:
                    folder.add(r.value)
                events += len(records)
            aligner.after(batch)
            if len(folder.cases) + len(folder.calls) >= chunk_keys:
                folder.count()  # side by side with the other workers; the writes take turns
                with shared.lock:
                    folder.flush(db)
            shared.done[worker] = events
        folder.count()
        with shared.lock:
            folder.flush(db)
    finally:
        await consumer.stop()
    return folder.outcomes


def _worker(settings: KpiSettings, worker: int, workers: int, chunk_keys: int, shared: Shared) -> None:
    asyncio.events._set_running_loop(None)  # forked from inside the parent's running loop
    db = Database(settings.resolved_database_url(), [chassis_metadata, metadata])
    try:
        shared.outcomes.put(dict(asyncio.run(_consume(settings, db, worker, workers, chunk_keys, shared))))
    finally:
        db.dispose()


async def replay(settings: KpiSettings, progress: Progress | None = None, chunk_keys: int = 25_000,
                 db: Database | None = None, workers: int | None = None) -> ReplayStats:
    """Rebuild the projections from the topics, one worker process per core; returns counts and the rate."""
    db = db or _migrated(settings)
    with Session(db.engine) as s:
        clear_projections(s, tallies_of(settings))
        s.commit()
    workers = workers or max(1, min(os.cpu_count() or 1, 4))
    ctx = multiprocessing.get_context("fork")  # no re-import per worker: the start-up cost is the replay's
    shared = Shared(ctx.Array("q", workers), ctx.Array("q", workers), ctx.Lock(), ctx.Queue())
    began = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(settings, k, workers, chunk_keys, shared), daemon=True)
             for k in range(workers)]
    for p in procs:
        p.start()
    outcomes: Counter[str] = Counter()
    results: list[dict[str, int]] = []
    while len(results) < len(procs):  # drain results while waiting: a full queue would block a worker's exit
        try:
            results.append(await asyncio.to_thread(shared.outcomes.get, True, 0.1))
        except queue.Empty:
            if not any(p.is_alive() for p in procs) and shared.outcomes.empty():
                break
        if progress:
            progress(sum(shared.done), max(sum(shared.totals), sum(shared.done)))
    for p in procs:
        p.join()
    if failed := [p.exitcode for p in procs if p.exitcode]:
        raise RuntimeError(f"replay worker failed with exit codes {failed}; the projections are incomplete")
    for r in results:
        outcomes.update(r)
    stats = ReplayStats(events=sum(shared.done), seconds=time.perf_counter() - began, outcomes=outcomes)
    with Session(db.engine) as s:
        for outcome, n in outcomes.items():
            queries.count(s, outcome, n)
        stats.outcomes["unknown_case"] = queries.unknown_cases(s)
        s.commit()
    tally.analyze(db)
    return stats
