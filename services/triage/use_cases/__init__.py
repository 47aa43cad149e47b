"""Every state change of triage: the interview, the care-level decision, two-level care and intake's cases.

Each use case takes the command or event, the unit of work and what it depends on, and leaves its changes and
outgoing events in that unit of work; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.chassis.clock import Clock
from services.triage.domain.policy import Policy


@dataclass(frozen=True)
class Deps:
    """What triage's routes and handlers need besides the unit of work: the policy data and the clock."""

    policy: Policy
    clock: Clock
