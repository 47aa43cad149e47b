"""The measured promises and reporting rules, as validated data (loaded from data/ by rules.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Measure:
    """A guarantee clock: from `start` to `end` within `limit_days` calendar days."""
    id: str
    limit_days: int
    level: str | None  # None: the 3-day assessment clock (contact -> assessment); else the visit level
    target: float
    title_sv: str
    title_en: str
    basis: str = "completed"  # the share the dashboard shows by default: "cohort" or "completed"


BASES = ("cohort", "completed")


@dataclass(frozen=True)
class Definitions:
    version: str
    measures: dict[str, Measure]
    age_bands: list[tuple[int, int]]
    suppress_below: int
    at_risk_days: int
    parent_group_follow_up_days: int
    targets: dict[str, float] = field(default_factory=dict)
    # a call turned away by a full queue counts as offered (older reading) or is reported beside
    offered_includes_queue_full: bool = False


@dataclass(frozen=True)
class DeviationRule:
    id: str
    kind: str
    level: str  # where it is reported: primary_care, bup, contact_centre
    params: dict[str, Any]  # as the rule's kind needs them; rules.py checks each kind's names are there
    title_sv: str
    title_en: str


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: list[DeviationRule]
