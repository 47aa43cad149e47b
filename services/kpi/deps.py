"""What the kpi use cases, handlers and routes need besides the unit of work; built once by app.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.chassis.clock import Clock
from services.kpi.dead_letters import CountingDeadLetters
from services.kpi.domain.definitions import Definitions, RuleSet


@dataclass(frozen=True)
class Deps:
    clock: Clock
    defs: Definitions
    rules: RuleSet
    dead_letters: CountingDeadLetters  # read by /api/kpi/input and /metrics
    unit_names: dict[str, str] = field(default_factory=dict)  # unit id -> name, for the dashboard's words
