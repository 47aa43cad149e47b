"""Helpers shared by the fault tests: counting what the probe applied and what is on the topic."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlmodel import Session, select

from contracts.intake import CASES_TOPIC
from kontakt.broker import read_all
from tests.probe_service import Tally


def applied_counts(engine: Any, case_ids: set[str]) -> dict[str, int]:
    with Session(engine) as s:
        rows = s.exec(select(Tally).where(Tally.case_id.in_(case_ids))).all()  # type: ignore[attr-defined]
        return {r.case_id: r.applied for r in rows}


async def topic_counts(bootstrap: str, case_ids: set[str], topic: str = CASES_TOPIC) -> Counter[str]:
    """How many times each of our events' ids is on the topic (duplicates show as > 1)."""
    seen: Counter[str] = Counter()
    for rec in await read_all(bootstrap, topic):
        try:
            data = json.loads(rec.value)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            continue
        if data.get("case_id") in case_ids:
            seen[data["event_id"]] += 1
    return seen


def report(name: str, **figures: object) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))
