"""Batch rebuild of every projection from the start of the topics (`kontakt kpi replay`).

Not the live handler in a loop: raw aiokafka batches, plain JSON decoding, facts folded in
memory a chunk at a time and merged into the store in one read and one write per touched row.
Memory is bounded by the chunk, not by the history. Events that arrive after the end offsets
taken at the start are left to the live consumer (the fold is idempotent, so overlap is harmless).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlmodel import Session, func, select

from contracts.registry import EVENT_TYPES, upcast
from services.chassis import migrations
from services.chassis.db import Database
from services.chassis.tables import chassis_metadata
from services.kpi.app import MIGRATIONS
from services.kpi.domain.facts import USED_EVENT_TYPES, facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into
from services.kpi.handlers import INPUT_TOPICS
from services.kpi.projection import clear_projections, count, merge_batch
from services.kpi.settings import KpiSettings
from services.kpi.store import CaseFactsRow, metadata

Progress = Callable[[int, int], None]  # (events read so far, events to read)


@dataclass
class ReplayStats:
    events: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class Folder:
    """The in-memory half of the batch: partial facts per case and call for the current chunk."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.outcomes: Counter[str] = Counter()
        self.pending = 0

    def add(self, value: bytes | None) -> None:
        try:
            d = json.loads(value)  # type: ignore[arg-type]
            event_type = d["event_type"]
            if event_type not in USED_EVENT_TYPES:
                return
            if d.get("schema_version", 1) != EVENT_TYPES[event_type].SCHEMA_VERSION:
                d = upcast(d)  # raises NewerSchemaVersion for a producer newer than us
            got = facts_of(d)
        except (ValueError, TypeError, KeyError) as exc:
            self.outcomes["newer_schema" if type(exc).__name__ == "NewerSchemaVersion" else "undecodable"] += 1
            return
        if got is None:
            return
        bucket, key, facts = got
        target, ops = (self.cases, CASE_OPS) if bucket == "case" else (self.calls, CALL_OPS)
        entry = target.get(key)
        if entry is None:
            target[key] = facts
        else:
            merge_into(entry, facts, ops)
        self.pending += 1

    def flush(self, db: Database) -> None:
        now = datetime.now(timezone.utc)
        with Session(db.engine) as s:
            merge_batch(s, "case", self.cases, now)
            merge_batch(s, "call", self.calls, now)
            s.commit()
        self.cases, self.calls, self.pending = {}, {}, 0


def open_store(settings: KpiSettings) -> Database:
    db = Database(settings.resolved_database_url(), [chassis_metadata, metadata])
    migrations.upgrade(db, MIGRATIONS)
    return db


async def _assign(consumer: AIOKafkaConsumer) -> tuple[dict[TopicPartition, int], int]:
    await consumer.topics()
    tps = [TopicPartition(t, p) for t in INPUT_TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    start = await consumer.beginning_offsets(tps)
    end = await consumer.end_offsets(tps)
    todo = {tp: end[tp] for tp in tps if end[tp] > start[tp]}
    return todo, sum(end[tp] - start[tp] for tp in todo)


async def replay(settings: KpiSettings, progress: Progress | None = None, chunk_events: int = 50_000,
                 db: Database | None = None) -> ReplayStats:
    """Rebuild the projections from the topics; returns counts and the rate."""
    db = db or open_store(settings)
    with Session(db.engine) as s:
        clear_projections(s)
        s.commit()
    began = time.perf_counter()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 << 20,
                                fetch_max_bytes=32 << 20, client_id="en-vag-in-kpi-replay")
    await consumer.start()
    folder, stats = Folder(), ReplayStats()
    try:
        end, total = await _assign(consumer)
        while end:
            batch = await consumer.getmany(timeout_ms=500, max_records=20_000)
            for tp, records in batch.items():
                stop = end.get(tp)
                if stop is None:
                    continue
                for r in records:
                    if r.offset < stop:
                        folder.add(r.value)
                        stats.events += 1
                if records and records[-1].offset + 1 >= stop:
                    del end[tp]
            if folder.pending >= chunk_events:
                folder.flush(db)
            if progress:
                progress(stats.events, total)
        folder.flush(db)
    finally:
        await consumer.stop()
    stats.seconds = time.perf_counter() - began
    stats.outcomes = folder.outcomes
    with Session(db.engine) as s:
        for outcome, n in folder.outcomes.items():
            count(s, outcome, n)
        unknown = s.exec(select(func.count()).select_from(CaseFactsRow).where(CaseFactsRow.known.is_(False))).one()  # type: ignore[attr-defined]
        stats.outcomes["unknown_case"] = unknown
        s.commit()
    return stats
