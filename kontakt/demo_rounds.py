"""The demo's acts a round at a time: the acts of one hour of the demo's time at once, on a few threads.

Acts within an hour do not depend on each other: an act's follow-ups lie at least three minutes after it and
wait for a later round. Run together they keep both cores and all five services busy, where one request at a
time left four services idle. The services' clock moves once per round, to the round's latest act and never
back, so no act happens before its own time and none is stamped more than an hour late.
"""
from __future__ import annotations

import heapq
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

WINDOW = timedelta(hours=1)


@dataclass(order=True)
class Act:
    at: datetime
    seq: int
    label: str = field(compare=False)
    run: Callable[[], Any] = field(compare=False)
    key: str = field(default="", compare=False)  # where it was planned: its random draws follow from it
    ripe: float = field(default=0.0, compare=False)  # a retry: not asked before this (time.monotonic())


class ActContext(threading.local):
    """The act a thread is performing: its time, its own random numbers, the follow-ups it has planned."""

    act: Act | None = None
    rng: random.Random | None = None
    children: int = 0

    def enter(self, act: Act, seed: int) -> None:
        self.act, self.rng, self.children = act, random.Random(f"{seed}/{act.key}"), 0

    def leave(self) -> None:
        self.act, self.rng, self.children = None, None, 0

    def child_key(self) -> str | None:
        """The key of the next follow-up planned by the current act (None outside an act)."""
        if self.act is None:
            return None
        self.children += 1
        return f"{self.act.key}.{self.children}"


def next_round(acts: list[Act], now: datetime, window: timedelta = WINDOW) -> list[Act]:
    """Takes the next round from `acts`, a heap in time order (heapq; `DemoCore.plan` keeps it one): the earliest
    act and those within `window` after it. Acts after `now` are never taken: they would lie in the future, not in
    the period that has passed; once the earliest is one of them, all are dropped. A year plans thousands of acts
    ahead: a pop costs the same whatever is pending, where sorting the whole plan before every act cost a tenth
    of the year's run."""
    if acts and acts[0].at > now:
        acts.clear()
    if not acts:
        return []
    taken = [heapq.heappop(acts)]
    end = taken[0].at + window
    while acts and acts[0].at < end and acts[0].at <= now:
        taken.append(heapq.heappop(acts))
    return taken
