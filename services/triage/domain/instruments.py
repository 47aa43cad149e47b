"""Interview instruments as versioned data: sections, items, answer scales, scales, norms, cut-offs, risk items."""
from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import Sex

SEXES: tuple[str, ...] = get_args(Sex)
ScaleKind = Literal["symptom", "composite", "child_functioning", "family_functioning", "impact", "screen"]
FUNCTIONING_KINDS = ("child_functioning", "family_functioning", "impact")
Severity = Literal["high", "acute"]  # of a risk answer; acute is the more severe
_ID = r"^[a-z][a-z0-9_]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Option(_Frozen):
    value: int
    score: int | None = None  # AUDIT's last items score 0/2/4 for answers 0/1/2
    label: Text

    @property
    def points(self) -> int:
        return self.value if self.score is None else self.score


class AnswerScale(_Frozen):
    options: tuple[Option, ...] = Field(min_length=2)

    def option(self, value: int) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def points_for(self, value: int) -> int:
        """The points of a saved answer (answers are checked against their scale when saved)."""
        option = self.option(value)
        if option is None:
            raise ValueError(f"answer {value} is not on the scale")
        return option.points

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)


class RiskRule(_Frozen):
    min_value: int
    severity: Severity
    flag: str = Field(pattern=_ID)


class Item(_Frozen):
    id: str = Field(pattern=_ID)
    text: Text
    answer_scale: str
    risk: tuple[RiskRule, ...] = ()


class Section(_Frozen):
    id: str = Field(pattern=_ID)
    title: Text
    items: tuple[Item, ...] = Field(min_length=1)


class NormTable(_Frozen):
    """Raw score -> T-score for one age band and the listed sexes: rows of [raw_from, raw_to, t]."""

    ages: str = Field(pattern=r"^\d{1,2}-\d{1,2}$")
    sex: tuple[Sex, ...] = Field(min_length=1)
    rows: tuple[tuple[int, int, float], ...] = Field(min_length=1)

    @property
    def age_range(self) -> tuple[int, int]:
        lo, hi = self.ages.split("-")
        return int(lo), int(hi)

    def covers(self, age: int, sex: str) -> bool:
        lo, hi = self.age_range
        return lo <= age <= hi and sex in self.sex

    def t_for(self, raw: int) -> float | None:
        return next((t for lo, hi, t in self.rows if lo <= raw <= hi), None)


class Cutoff(_Frozen):
    """A band starts at `t_from` (normed scales) or `raw_from` (others), optionally only for some sexes."""

    band: str
    t_from: float | None = None
    raw_from: float | None = None
    sex: tuple[Sex, ...] | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> Cutoff:
        if (self.raw_from is None) == (self.t_from is None):
            raise ValueError("give exactly one of t_from and raw_from")
        return self


class Scale(_Frozen):
    id: str = Field(pattern=_ID)
    title: Text
    kind: ScaleKind
    items: tuple[str, ...] = ()
    of: tuple[str, ...] = ()  # composites: the scales summed
    norms: tuple[NormTable, ...] = ()
    cutoffs: tuple[Cutoff, ...] | None = None  # None: the instrument's t_cutoffs


class Comparison(_Frozen):
    """Youth self-report beside the guardian's answers: flag scales whose shares of the maximum differ."""

    instrument: str
    pairs: dict[str, str] = Field(min_length=1)  # own scale -> the other instrument's scale
    min_share_difference: float = Field(gt=0, le=1)


class Instrument(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str = Field(min_length=1)
    title: Text
    informant: Literal["guardian", "young_person"]
    min_age: int = Field(ge=0, le=25)
    max_age: int = Field(ge=0, le=25)
    bands: tuple[str, ...] = Field(min_length=1)  # lowest first; the first is the band when no cut-off is met
    t_cutoffs: tuple[Cutoff, ...] = ()
    answer_scales: dict[str, AnswerScale]
    sections: tuple[Section, ...] = Field(min_length=1)
    scales: tuple[Scale, ...] = Field(min_length=1)
    compare_with: Comparison | None = None

    def items(self) -> dict[str, Item]:
        return {it.id: it for s in self.sections for it in s.items}

    def scale(self, scale_id: str) -> Scale | None:
        return next((s for s in self.scales if s.id == scale_id), None)

    def part(self, scale_id: str) -> Scale:
        """A scale a composite sums (the instrument files are checked at start-up: every part exists)."""
        found = self.scale(scale_id)
        if found is None:
            raise ValueError(f"{self.id} has no scale '{scale_id}'")
        return found

    def applies_to(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age

    def max_raw(self, scale: Scale) -> int:
        if scale.of:
            return sum(self.max_raw(self.part(s)) for s in scale.of)
        items = self.items()
        return sum(self.answer_scales[items[i].answer_scale].max_points for i in scale.items)

    def cutoffs_of(self, scale: Scale) -> tuple[Cutoff, ...]:
        return self.t_cutoffs if scale.cutoffs is None else scale.cutoffs


class InstrumentSet:
    """The instruments the service interviews with, by id; the main one is the BCFPI-shaped interview."""

    def __init__(self, instruments: dict[str, Instrument], main_id: str) -> None:
        if main_id not in instruments:
            raise ValueError(f"main instrument '{main_id}' not found among {sorted(instruments)}")
        self.by_id = instruments
        self.main = instruments[main_id]

    def forms_for(self, age: int) -> list[Instrument]:
        """The main form plus the supplementary forms that fit the child's age."""
        extra = [i for i in self.by_id.values() if i.id != self.main.id and i.applies_to(age)]
        return [self.main, *sorted(extra, key=lambda i: i.id)]
