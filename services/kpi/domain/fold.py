"""A fetched batch of events folded in memory: partial facts per case and call, and the counts one event at a
time would give (out of order, unknown case). The store merges the result in one read and write per row."""
from __future__ import annotations

from collections import Counter
from typing import Any

from services.kpi.domain.facts import Facts, facts_of
from services.kpi.domain.merge import CALL_OPS, CASE_OPS, merge_into

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
