"""A simulated morning at the contact centre: callers arrive at random, N agents answer them in turn, each call
takes a random time. The steps it makes are what the call platform would report; each caller's true wait is kept
to hold the estimate against."""
from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Morning:
    steps: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)
    arrivals: list[tuple[str, datetime]] = field(default_factory=list)
    waits: dict[str, float] = field(default_factory=dict)  # call id -> seconds in the queue

    def known_at(self, now: datetime) -> dict[str, list[tuple[str, datetime]]]:
        """What the platform had reported by `now`."""
        out = {c: [(s, t) for s, t in steps if t <= now] for c, steps in self.steps.items()}
        return {c: s for c, s in out.items() if s}


def simulate(start: datetime, hours: float, agents: int, handle_s: float, mean_gap_s: float,
             seed: int = 23) -> Morning:
    """First come, first served; exponential gaps and handling times (an M/M/N queue)."""
    rng = random.Random(seed)
    m = Morning()
    free_at = [0.0] * agents  # seconds from start when each agent is free again
    heapq.heapify(free_at)
    t, n = 0.0, 0
    while True:
        t += rng.expovariate(1 / mean_gap_s)
        if t > hours * 3600:
            return m
        n += 1
        call_id = f"sim-{n:04d}"
        free = heapq.heappop(free_at)
        answered = max(t, free)
        ended = answered + rng.expovariate(1 / handle_s)
        heapq.heappush(free_at, ended)
        arrive = start + timedelta(seconds=t)
        m.arrivals.append((call_id, arrive))
        m.waits[call_id] = answered - t
        m.steps[call_id] = [("CallOffered", arrive), ("CallQueued", arrive + timedelta(microseconds=1)),
                            ("CallAnswered", start + timedelta(seconds=answered)),
                            ("CallEnded", start + timedelta(seconds=ended))]
