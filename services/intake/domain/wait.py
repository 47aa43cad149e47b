"""The estimated wait a caller would have now, and whether to offer a call-back instead: pure, from the steps.

Method (docs/callbacks.md): the queue is an M/M/N queue read in its present state. With N agents signed in,
B of them busy on answered calls not yet ended, and Q callers waiting, a new caller has k = Q + 1 - (N - B)
callers (themselves included) ahead of a free agent. With exponential handling times of mean h, agents free up
one after another every h / N on average, so the expected wait is k * h / N (0 when k <= 0). That is the
conditional wait of Erlang C given the queue's state, which needs no arrival rate. h is the mean handling time
of the calls that ended in the last hours, or the policy's default until enough have ended.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Literal

from services.intake.domain.callback_policy import WaitRules

Steps = Mapping[str, Sequence[tuple[str, datetime]]]  # call id -> (step, at)
ENDS_QUEUEING = {"CallAnswered", "CallAbandoned", "QueueFull", "CallbackScheduled", "CallbackMade", "CallEnded"}
Reason = Literal["no_staff", "queue_full", "long_wait", "short_wait"]


@dataclass(frozen=True)
class QueueState:
    waiting: int
    busy: int
    handle_samples: tuple[float, ...]


@dataclass(frozen=True)
class WaitEstimate:
    seconds: int | None  # None: nobody is signed in to answer
    waiting: int
    agents: int
    busy: int
    handle_seconds: int
    handle_from: Literal["ended_calls", "policy_default"]
    offer_callback: bool
    reason: Reason


def queue_state(steps: Steps, now: datetime, rules: WaitRules) -> QueueState:
    """Callers waiting now, calls being talked now, and the handling times of calls ended lately."""
    seen_since = now - timedelta(hours=rules.queue_seen_hours)
    sample_since = now - timedelta(hours=rules.sample_hours)
    waiting = busy = 0
    samples: list[float] = []
    for call in steps.values():
        at = {step: t for step, t in call if t <= now}
        queued = at.get("CallQueued")
        if queued is not None and queued >= seen_since and not ENDS_QUEUEING & at.keys():
            waiting += 1
        answered = at.get("CallAnswered") or at.get("CallbackMade")
        ended = at.get("CallEnded")
        if answered is not None and ended is None and answered >= seen_since:
            busy += 1
        if answered is not None and ended is not None and answered >= sample_since and ended > answered:
            samples.append((ended - answered).total_seconds())
    return QueueState(waiting, busy, tuple(samples))


def estimate(state: QueueState, agents: int, rules: WaitRules) -> WaitEstimate:
    """k * h / N (see the module's docstring), with the reason a call-back is (or is not) offered."""
    enough = len(state.handle_samples) >= rules.min_samples
    handle = fmean(state.handle_samples) if enough else float(rules.default_handle_seconds)
    source: Literal["ended_calls", "policy_default"] = "ended_calls" if enough else "policy_default"
    busy = min(state.busy, agents)
    seconds = None if agents <= 0 else max(0, round((state.waiting + 1 - (agents - busy)) * handle / agents))
    reason: Reason = ("no_staff" if seconds is None else "queue_full" if state.waiting >= rules.queue_capacity
                      else "long_wait" if seconds > rules.offer_callback_above_seconds else "short_wait")
    return WaitEstimate(seconds, state.waiting, agents, busy, round(handle), source, reason != "short_wait", reason)
