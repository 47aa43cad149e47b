"""The in-memory half of the replay: folding raw records into a chunk of facts, and reading topics abreast."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic_core import from_json
from sqlmodel import Session

from contracts.registry import EVENT_TYPES, upcast
from services.chassis.db import Database
from services.kpi.domain.facts import USED_EVENT_TYPES, facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into
from services.kpi.domain.runway_alerts import RUNWAY_EVENT_TYPES, RunwayAlert, alert_of
from services.kpi.domain.tally import Tallies
from services.kpi.rules import load_rules, shipped_definitions
from services.kpi.store import queries
from services.kpi.store.bulk import Counted, counted, merge_batch


class Folder:
    """The in-memory half of the batch: partial facts per case and call for the current chunk, and the kept
    figures' counts (`tallies`, by default under the shipped definitions and rules) written with them."""

    def __init__(self, tallies: Tallies | None = None) -> None:
        self.tallies = tallies or Tallies(shipped_definitions(), load_rules())
        self.fresh: dict[str, Counted] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.alerts: list[RunwayAlert] = []
        self.outcomes: Counter[str] = Counter()

    def add(self, value: bytes | None) -> None:
        if value is None:  # a tombstone or an empty record: nothing to read
            self.outcomes["undecodable"] += 1
            return
        try:
            d = from_json(value)  # pydantic-core's parser: about three times json.loads
            event_type = d["event_type"]
            if event_type not in USED_EVENT_TYPES and event_type not in RUNWAY_EVENT_TYPES:
                return
            if d.get("schema_version", 1) != EVENT_TYPES[event_type].SCHEMA_VERSION:
                d = upcast(d)  # raises NewerSchemaVersion for a producer newer than us
            alert = alert_of(d)
            got = facts_of(d)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # AttributeError: a null value
            self.outcomes["newer_schema" if type(exc).__name__ == "NewerSchemaVersion" else "undecodable"] += 1
            return
        if alert is not None:
            self.alerts.append(alert)
        if got is None:
            return
        bucket, key, facts = got
        target, ops = (self.cases, CASE_OPS) if bucket == "case" else (self.calls, CALL_OPS)
        entry = target.get(key)
        if entry is None:
            target[key] = facts
        else:
            merge_into(entry, facts, ops)

    def count(self) -> None:
        """The chunk's counts for the kept figures, as if its cases and calls were new (store/bulk.counted):
        done before a worker takes its turn to write, so the workers count side by side."""
        self.fresh = {"case": counted("case", self.cases, self.tallies),
                      "call": counted("call", self.calls, self.tallies)}

    def flush(self, db: Database) -> None:
        now = datetime.now(UTC)
        with Session(db.engine) as s:
            merge_batch(s, "case", self.cases, now, self.tallies, self.fresh.get("case"))
            merge_batch(s, "call", self.calls, now, self.tallies, self.fresh.get("call"))
            queries.add_runway_alerts(s, self.alerts)
            s.commit()
        self.cases, self.calls, self.alerts, self.fresh = {}, {}, [], {}


class Aligner:
    """Reads the topics abreast in time: a partition that runs ahead of the slowest one is paused.

    A case's events sit on several topics; read unevenly (all of one topic first), each case would be
    folded in several chunks and its row read back and merged each time. Abreast, they mostly meet
    in memory. Record timestamps are the producers' append times.
    """

    WINDOW_MS = 1_000

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.last: dict[TopicPartition, int] = {}
        self.paused: set[TopicPartition] = set()

    def after(self, batch: dict[TopicPartition, list[Any]]) -> None:
        for tp, records in batch.items():
            if records:
                self.last[tp] = records[-1].timestamp
        delivered = [self.last[tp] for tp in batch if batch[tp]]
        if not delivered:
            return
        floor = min(delivered)
        ahead = {tp for tp, ts in self.last.items() if ts > floor + self.WINDOW_MS}
        if ahead - self.paused:
            self.consumer.pause(*(ahead - self.paused))
        if self.paused - ahead:
            self.consumer.resume(*(self.paused - ahead))
        self.paused = ahead

    def resume_all(self) -> bool:
        """Nothing came from the partitions left running: let the paused ones go on. False if none were paused."""
        if not self.paused:
            return False
        self.consumer.resume(*self.paused)
        self.paused = set()
        return True
