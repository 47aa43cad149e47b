"""Loads and validates the KPI service's versioned data files at start-up."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.common import CareLevel
from contracts.kpi import ClockName
from services.kpi.domain.definitions import Definitions, DeviationRule, Measure, RuleSet
from services.kpi.domain.deviations import EVALUATORS

DATA = Path(__file__).parent / "data"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Measure(_Strict):
    id: ClockName
    limit_days: int = Field(ge=0, le=365)
    level: CareLevel | None
    target: float = Field(ge=0, le=1)
    title_sv: str
    title_en: str
    basis: Literal["cohort", "completed"] = "completed"


class _Phone(_Strict):
    offered_includes_queue_full: bool


class _Definitions(_Strict):
    version: str = Field(min_length=1)
    measures: list[_Measure]
    targets: dict[str, float] = {}
    phone: _Phone
    age_bands: list[tuple[int, int]]
    suppress_below: int = Field(ge=1)
    at_risk_days: int = Field(ge=0, le=7)
    parent_group_follow_up_days: int = Field(ge=1)

    @field_validator("measures")
    @classmethod
    def _unique(cls, v: list[_Measure]) -> list[_Measure]:
        if len({m.id for m in v}) != len(v):
            raise ValueError("Mått finns två gånger | A measure appears twice")
        return v


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: str
    level: Literal["primary_care", "bup", "contact_centre", "from_event"]
    params: dict[str, Any]
    title_sv: str
    title_en: str

    @model_validator(mode="after")
    def _params(self) -> _Rule:
        if self.kind not in EVALUATORS:
            raise ValueError(f"Okänd regeltyp {self.kind} | Unknown rule kind {self.kind}")
        needed = {"assessment_late": {"limit_days"}, "paper_arrival_late": {"limit_days"},
                  "first_visit_late": {"level", "limit_days"},
                  "returned_between_levels": {"levels", "cancel_reasons"}}.get(self.kind, set())
        if missing := needed - set(self.params):
            raise ValueError(f"Regel {self.id} saknar {sorted(missing)} | Rule {self.id} lacks {sorted(missing)}")
        return self


class _RuleSet(_Strict):
    version: str = Field(min_length=1)
    rules: list[_Rule]

    @field_validator("rules")
    @classmethod
    def _unique(cls, v: list[_Rule]) -> list[_Rule]:
        if len({r.id for r in v}) != len(v):
            raise ValueError("Regel-id finns två gånger | A rule id appears twice")
        return v


def load_definitions(path: Path = DATA / "kpi_definitions.yaml") -> Definitions:
    d = _Definitions.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return Definitions(d.version, {m.id: Measure(m.id, m.limit_days, m.level, m.target, m.title_sv, m.title_en,
                                                 m.basis) for m in d.measures},
                       list(d.age_bands), d.suppress_below, d.at_risk_days,
                       d.parent_group_follow_up_days, dict(d.targets), d.phone.offered_includes_queue_full)


@lru_cache(maxsize=1)
def shipped_definitions() -> Definitions:
    """The definitions file shipped with the service, loaded once (for callers that name no other)."""
    return load_definitions()


def load_rules(path: Path = DATA / "deviation_rules.yaml") -> RuleSet:
    r = _RuleSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return RuleSet(r.version, [DeviationRule(x.id, x.kind, x.level, dict(x.params), x.title_sv, x.title_en)
                               for x in r.rules])
