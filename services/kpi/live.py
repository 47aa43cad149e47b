"""The live projection: a fetched batch of events folded into the store in one transaction.

The chassis hands over a batch (several partitions, each in offset order; duplicates already dropped by
the inbox). Its events are reduced to facts, grouped per case and call, merged in memory, and written
with the replay's statements (`merge_batch`): one read and one write per touched row, not per event.
Deviations are evaluated once per touched case, on its state after the whole batch. The fold is
order-proof (domain/merge.py), so the rows equal a one-event-at-a-time fold or a replay of the same events.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.envelope import Event
from services.chassis.db import UnitOfWork
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.facts import Facts, facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into
from services.kpi.domain.views import CaseView
from services.kpi.projection import count, merge_batch
from services.kpi.tagging import tag_new_deviations_of

OPS = {"case": CASE_OPS, "call": CALL_OPS}


class BatchFold:
    """A batch's facts per case and call, with the seen-times of each key's events in delivery order."""

    def __init__(self) -> None:
        self.partial: dict[str, dict[str, Facts]] = {"case": {}, "call": {}}
        self.seen: dict[str, dict[str, list[tuple[str, bool]]]] = {"case": {}, "call": {}}

    def add(self, wire: dict[str, Any]) -> None:
        extracted = facts_of(wire)
        if extracted is None:
            return
        bucket, key, facts = extracted
        self.seen[bucket].setdefault(key, []).append((facts["seen"], facts.get("ref") is not None))
        entry = self.partial[bucket].get(key)
        if entry is None:
            self.partial[bucket][key] = facts  # ours: facts_of builds a fresh dict per event
        else:
            merge_into(entry, facts, OPS[bucket])

    def outcomes(self, bucket: str, merged: dict[str, tuple[Facts | None, Facts]]) -> Counter[str]:
        """The counts one event at a time in delivery order would give: an event older than its row's
        latest (`out_of_order`), a case event applied while its referral is still unseen (`unknown_case`)."""
        out: Counter[str] = Counter()
        for key, events in self.seen[bucket].items():
            before = merged[key][0]
            latest = before.get("seen", "") if before is not None else None
            known = before is not None and before.get("ref") is not None
            for seen, carries_ref in events:
                if latest is not None and latest > seen:
                    out["out_of_order"] += 1
                latest = seen if latest is None else max(latest, seen)
                known = known or carries_ref
                if bucket == "case" and not known:
                    out["unknown_case"] += 1
        return out


def project_batch(uow: UnitOfWork, rules: RuleSet, events: Sequence[Event], now: datetime) -> None:
    """Fold `events` into the projections in `uow`'s transaction; tag the deviations that now show."""
    fold = BatchFold()
    for event in events:
        fold.add(event.model_dump(mode="json"))
    outcomes: Counter[str] = Counter()
    cases: dict[str, tuple[Facts | None, Facts]] = {}
    for bucket in ("case", "call"):
        if fold.partial[bucket]:
            merged = merge_batch(uow.session, bucket, fold.partial[bucket], now)
            outcomes += fold.outcomes(bucket, merged)
            if bucket == "case":
                cases = merged
    for outcome, n in sorted(outcomes.items()):
        count(uow.session, outcome, n)
    known = [CaseView(key, after) for key, (_, after) in sorted(cases.items()) if after.get("ref") is not None]
    if known:
        tag_new_deviations_of(uow, known, rules, local_date(now), now)
