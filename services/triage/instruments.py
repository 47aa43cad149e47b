"""Interview instruments as versioned data: sections, items, answer scales, scales, norms, cut-offs, risk items."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import Sex
from services.triage import datafile

SEXES: tuple[str, ...] = get_args(Sex)
ScaleKind = Literal["symptom", "composite", "child_functioning", "family_functioning", "impact", "screen"]
FUNCTIONING_KINDS = ("child_functioning", "family_functioning", "impact")
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

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)


class RiskRule(_Frozen):
    min_value: int
    severity: Literal["high", "acute"]
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

    def applies_to(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age

    def max_raw(self, scale: Scale) -> int:
        if scale.of:
            return sum(self.max_raw(self.scale(s)) for s in scale.of)  # type: ignore[arg-type]
        items = self.items()
        return sum(self.answer_scales[items[i].answer_scale].max_points for i in scale.items)

    def cutoffs_of(self, scale: Scale) -> tuple[Cutoff, ...]:
        return self.t_cutoffs if scale.cutoffs is None else scale.cutoffs


def load_instrument(path: Path) -> Instrument:
    """Load and cross-check one instrument file; any error names its line."""
    inst, lines = datafile.load(path, Instrument)
    datafile.refuse_if(path, lines, list(_problems(inst)))
    return inst


def _problems(inst: Instrument):  # type: ignore[no-untyped-def]
    items = inst.items()
    if inst.min_age > inst.max_age:
        yield ("max_age",), "max_age is below min_age"
    seen: set[str] = set()
    for si, sec in enumerate(inst.sections):
        for ii, item in enumerate(sec.items):
            loc = ("sections", si, "items", ii)
            if item.id in seen:
                yield (*loc, "id"), f"item id '{item.id}' is used twice"
            seen.add(item.id)
            if item.answer_scale not in inst.answer_scales:
                yield (*loc, "answer_scale"), f"unknown answer scale '{item.answer_scale}'"
    for ci, cut in enumerate(inst.t_cutoffs):
        yield from _cutoff_problems(inst, cut, ("t_cutoffs", ci), normed=True)
    scale_ids = [s.id for s in inst.scales]
    for k, scale in enumerate(inst.scales):
        loc = ("scales", k)
        if scale_ids.count(scale.id) > 1:
            yield (*loc, "id"), f"scale id '{scale.id}' is used twice"
        yield from _scale_problems(inst, scale, loc, items)
    if inst.compare_with:
        for own in inst.compare_with.pairs:
            if inst.scale(own) is None:
                yield ("compare_with", "pairs", own), f"unknown scale '{own}'"


def _scale_problems(inst: Instrument, scale: Scale, loc, items):  # type: ignore[no-untyped-def]
    if bool(scale.items) == bool(scale.of):
        yield loc, "a scale sums either items or (a composite) other scales"
    for j, ref in enumerate(scale.items):
        if ref not in items:
            yield (*loc, "items", j), f"unknown item '{ref}'"
    for j, ref in enumerate(scale.of):
        other = inst.scale(ref)
        if other is None or other.of:
            yield (*loc, "of", j), f"'{ref}' is not a scale of items in this instrument"
    if not _refs_ok(inst, scale, items):
        return  # no norm checks on a scale whose size is unknown
    for ci, cut in enumerate(scale.cutoffs or ()):
        yield from _cutoff_problems(inst, cut, (*loc, "cutoffs", ci), normed=bool(scale.norms))
    if scale.cutoffs is None and not scale.norms:
        yield loc, "a scale without norms needs its own raw cut-offs"
    if scale.norms:
        yield from _norm_problems(inst, scale, loc)


def _refs_ok(inst: Instrument, scale: Scale, items) -> bool:  # type: ignore[no-untyped-def]
    parts = [inst.scale(s) for s in scale.of]
    return (all(i in items and items[i].answer_scale in inst.answer_scales for i in scale.items)
            and all(p is not None and not p.of and _refs_ok(inst, p, items) for p in parts))


def _cutoff_problems(inst: Instrument, cut: Cutoff, loc, normed: bool):  # type: ignore[no-untyped-def]
    if cut.band not in inst.bands:
        yield (*loc, "band"), f"band '{cut.band}' is not in bands {list(inst.bands)}"
    if normed and cut.t_from is None:
        yield loc, "a normed scale's cut-offs are on T-scores (t_from)"
    if not normed and cut.raw_from is None:
        yield loc, "a scale without norms has cut-offs on raw scores (raw_from)"


def _norm_problems(inst: Instrument, scale: Scale, loc):  # type: ignore[no-untyped-def]
    top = inst.max_raw(scale)
    for ti, table in enumerate(scale.norms):
        expected = 0
        for ri, (lo, hi, _t) in enumerate(table.rows):
            if lo != expected or hi < lo:
                yield (*loc, "norms", ti, "rows", ri), f"rows must run on without gaps from raw 0; expected {expected}"
                break
            expected = hi + 1
        else:
            if expected - 1 != top:
                yield (*loc, "norms", ti, "rows"), f"rows end at {expected - 1} but the scale's maximum is {top}"
    for age in range(inst.min_age, inst.max_age + 1):
        for sex in SEXES:
            n = sum(t.covers(age, sex) for t in scale.norms)
            if n != 1:
                yield (*loc, "norms"), f"age {age}, sex {sex}: {n} norm tables apply (exactly one must)"
                return


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


def load_instruments(dirs: list[Path], main_id: str) -> InstrumentSet:
    """Every *.yaml/*.yml/*.json in `dirs`; a later directory's file replaces an earlier one with the same id."""
    found: dict[str, tuple[Instrument, Path, datafile.LineMap]] = {}
    for d in dirs:
        for path in sorted(p for p in d.iterdir() if re.search(r"\.(ya?ml|json)$", p.name)):
            inst, lines = datafile.load(path, Instrument)
            datafile.refuse_if(path, lines, list(_problems(inst)))
            found[inst.id] = (inst, path, lines)
    instruments = {k: v[0] for k, v in found.items()}
    for inst, path, lines in found.values():
        datafile.refuse_if(path, lines, list(_comparison_problems(inst, instruments)))
    return InstrumentSet(instruments, main_id)


def _comparison_problems(inst: Instrument, others: dict[str, Instrument]):  # type: ignore[no-untyped-def]
    cmp = inst.compare_with
    if cmp is None:
        return
    other = others.get(cmp.instrument)
    if other is None:
        yield ("compare_with", "instrument"), f"no loaded instrument '{cmp.instrument}'"
        return
    for own, theirs in cmp.pairs.items():
        if other.scale(theirs) is None:
            yield ("compare_with", "pairs", own), f"'{cmp.instrument}' has no scale '{theirs}'"
