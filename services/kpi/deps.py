"""What the kpi use cases, handlers and routes need besides the unit of work; built once by app.py."""
from __future__ import annotations

from dataclasses import dataclass

from services.chassis.clock import Clock
from services.kpi.domain.definitions import Definitions, RuleSet
from services.kpi.domain.tally import Tallies
from services.kpi.runtime import CountingDeadLetters


@dataclass(frozen=True)
class Deps:
    clock: Clock
    defs: Definitions
    rules: RuleSet
    dead_letters: CountingDeadLetters  # read by /api/kpi/input and /metrics
    tallies: Tallies  # what the kept figures count, under `defs` and `rules`
