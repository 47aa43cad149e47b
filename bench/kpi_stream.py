"""A stream of the KPI service's input events for the benchmarks, as a live day delivers them.

Cases are clones of the case histories `bench/kpi_replay.py` writes (referral, sometimes a paper referral,
advice, a care-level decision, a booking, the visit, and a call: about 7.3 events a case), with event ids
from a seeded generator (the same stream in every run and process), ordered by when each event happened,
so the events of many cases are interleaved as they are on the topics.
"""
from __future__ import annotations

import json
import random
import uuid
from datetime import datetime
from typing import Any

from contracts.registry import EVENT_TYPES

Record = tuple[str, bytes, bytes]  # topic, key, value


def stream(cases: int, seed: int = 16, first: int = 0) -> list[Record]:
    from bench.kpi_replay import templates

    rng = random.Random(seed)
    shapes = templates()
    timed: list[tuple[datetime, int, Record]] = []
    for n in range(first, first + cases):
        case_id = f"C-{n:012d}"
        for d in shapes[n % len(shapes)]:
            d = _with(d, uuid.UUID(int=rng.getrandbits(128), version=4), case_id, f"call-{n}")
            key = d["case_id"] or d["payload"]["call_id"]
            timed.append((datetime.fromisoformat(d["occurred_at"]), n, (EVENT_TYPES[d["event_type"]].TOPIC, key.encode(),
                                                json.dumps(d).encode())))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in timed]


def _with(d: dict[str, Any], event_id: uuid.UUID, case_id: str, call_id: str) -> dict[str, Any]:
    d = {**d, "event_id": str(event_id)}
    if d["case_id"]:
        d["case_id"] = case_id
    else:
        d["payload"] = {**d["payload"], "call_id": call_id}
    return d
