"""The responsibility-allocation guide as data: rules that point to care levels, applied under LEON."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import CareLevel
from services.triage import datafile
from services.triage.instruments import InstrumentSet, Text
from services.triage.scoring import RiskSignal, ScaleResult

SEVERITY_RANK = {"high": 1, "acute": 2}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class BandIn(_Frozen):
    scale: str
    bands: tuple[str, ...] = Field(min_length=1)


class TAtLeast(_Frozen):
    scale: str
    t: float


class RawAtLeast(_Frozen):
    scale: str
    raw: float


class SignalsAtLeast(_Frozen):
    n: int = Field(ge=1)
    among: tuple[str, ...] = Field(min_length=1)
    band: str = "signal"


class Condition(_Frozen):
    """Exactly one key: a test on the scores, answers or the child, or a combination of conditions."""

    all_of: tuple[Condition, ...] | None = Field(None, alias="all")
    any_of: tuple[Condition, ...] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")
    band_in: BandIn | None = None
    t_at_least: TAtLeast | None = None
    raw_at_least: RawAtLeast | None = None
    signals_at_least: SignalsAtLeast | None = None
    risk: Literal["high", "acute"] | None = None
    age_at_least: int | None = None
    age_at_most: int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        if sum(v is not None for v in self.__dict__.values()) != 1:
            raise ValueError("a condition has exactly one key (all, any, not, band_in, t_at_least, raw_at_least, "
                             "signals_at_least, risk, age_at_least, age_at_most)")
        return self


class Rule(_Frozen):
    id: str = Field(pattern=r"^[A-Z]+-\d+$")
    level: CareLevel
    text: Text
    when: Condition


class TwoLevelCare(_Frozen):
    questions: tuple[str, ...] = Field(min_length=1)
    interventions: tuple[str, ...] = Field(min_length=1)
    bup_units: tuple[str, ...] = Field(min_length=1)


class Guide(_Frozen):
    version: str = Field(min_length=1)
    title: Text
    leon_order: tuple[CareLevel, ...] = Field(min_length=2)  # lowest effective level first; urgent stands apart
    default_level: CareLevel
    default_reason: Text
    rules: tuple[Rule, ...] = Field(min_length=1)
    two_level_care: TwoLevelCare


@dataclass(frozen=True)
class Facts:
    """What the guide looks at: every scored scale of the interview's forms, risk signals and the child."""

    scales: dict[str, ScaleResult]
    risks: tuple[RiskSignal, ...]
    age: int


@dataclass(frozen=True)
class Fired:
    rule_id: str
    level: str
    because: str


@dataclass(frozen=True)
class Proposal:
    level: str
    rules_version: str
    fired: tuple[Fired, ...]
    lower_levels_rejected: tuple[str, ...] = field(default_factory=tuple)


def evaluate(cond: Condition, facts: Facts) -> tuple[bool, str]:
    """Whether the condition holds, and the values that made it so (for the decision's reasons)."""
    if cond.all_of is not None:
        parts = [evaluate(c, facts) for c in cond.all_of]
        return all(ok for ok, _ in parts), " and ".join(t for _, t in parts)
    if cond.any_of is not None:
        parts = [evaluate(c, facts) for c in cond.any_of]
        hits = [t for ok, t in parts if ok]
        return bool(hits), " or ".join(hits or [t for _, t in parts])
    if cond.not_ is not None:
        ok, text = evaluate(cond.not_, facts)
        return not ok, f"not ({text})"
    return _leaf(cond, facts)


def _leaf(cond: Condition, facts: Facts) -> tuple[bool, str]:
    s = facts.scales
    if cond.band_in is not None:
        r = s.get(cond.band_in.scale)
        band = r.band if r else "not scored"
        return band in cond.band_in.bands, f"{cond.band_in.scale} band={band}"
    if cond.t_at_least is not None:
        r = s.get(cond.t_at_least.scale)
        t = r.t_score if r else None
        return t is not None and t >= cond.t_at_least.t, f"{cond.t_at_least.scale} T={_num(t)} >= {_num(cond.t_at_least.t)}"
    if cond.raw_at_least is not None:
        r = s.get(cond.raw_at_least.scale)
        raw = r.raw if r else None
        return raw is not None and raw >= cond.raw_at_least.raw, f"{cond.raw_at_least.scale} raw={_num(raw)} >= {_num(cond.raw_at_least.raw)}"
    if cond.signals_at_least is not None:
        c = cond.signals_at_least
        hits = [sid for sid in c.among if sid in s and s[sid].band == c.band]
        return len(hits) >= c.n, f"{len(hits)} scales at {c.band} ({', '.join(hits) or 'none'}) >= {c.n}"
    if cond.risk is not None:
        hits = [r.flag for r in facts.risks if SEVERITY_RANK[r.severity] >= SEVERITY_RANK[cond.risk]]
        return bool(hits), f"risk {cond.risk}: {', '.join(hits) or 'none'}"
    if cond.age_at_least is not None:
        return facts.age >= cond.age_at_least, f"age {facts.age} >= {cond.age_at_least}"
    return facts.age <= cond.age_at_most, f"age {facts.age} <= {cond.age_at_most}"  # type: ignore[operator]


def _num(v: float | None) -> str:
    if v is None:
        return "none"
    return str(int(v)) if float(v).is_integer() else str(v)


def propose(guide: Guide, facts: Facts) -> Proposal:
    """LEON: the lowest level whose need is shown; a rule for a higher level shows the lower ones are not enough."""
    fired = []
    for rule in guide.rules:
        ok, because = evaluate(rule.when, facts)
        if ok:
            fired.append(Fired(rule.id, rule.level, because))
    if any(f.level == "urgent" for f in fired):
        level = "urgent"
    else:
        pointed = [guide.leon_order.index(f.level) for f in fired]  # type: ignore[arg-type]
        level = guide.leon_order[max(pointed)] if pointed else guide.default_level
    return Proposal(level, guide.version, tuple(fired), tuple(_rejections(guide, level, fired)))


def _rejections(guide: Guide, level: str, fired: list[Fired]) -> list[str]:
    order = list(guide.leon_order)
    rank = len(order) if level == "urgent" else order.index(level)  # type: ignore[arg-type]
    out = []
    for lower in order[:rank]:
        above = [f for f in fired if f.level == "urgent" or order.index(f.level) > order.index(lower)]  # type: ignore[arg-type]
        out.append(f"{lower}: not enough — " + "; ".join(f"{f.rule_id} ({f.because})" for f in above))
    return out


def load_guide(path: Path, instruments: InstrumentSet) -> Guide:
    """Load the rules file and check that every scale and band it names exists in the loaded instruments."""
    guide, lines = datafile.load(path, Guide)
    problems = []
    if guide.default_level not in guide.leon_order:
        problems.append((("default_level",), f"'{guide.default_level}' is not in leon_order"))
    if "urgent" in guide.leon_order:
        problems.append((("leon_order",), "urgent overrides the order and is not part of it"))
    ids = [r.id for r in guide.rules]
    for i, rule in enumerate(guide.rules):
        if ids.count(rule.id) > 1:
            problems.append((("rules", i, "id"), f"rule id '{rule.id}' is used twice"))
        if rule.level != "urgent" and rule.level not in guide.leon_order:
            problems.append((("rules", i, "level"), f"'{rule.level}' is not in leon_order"))
        problems.extend(_condition_problems(rule.when, ("rules", i, "when"), instruments))
    datafile.refuse_if(path, lines, problems)
    return guide


def _scale_bands(instruments: InstrumentSet) -> dict[str, tuple[str, ...]]:
    return {s.id: i.bands for i in instruments.by_id.values() for s in i.scales}


def _normed(instruments: InstrumentSet) -> set[str]:
    return {s.id for i in instruments.by_id.values() for s in i.scales if s.norms}


def _condition_problems(cond: Condition, loc: tuple, instruments: InstrumentSet) -> list[tuple[tuple, str]]:
    known = _scale_bands(instruments)
    out: list[tuple[tuple, str]] = []
    for key, subs in (("all", cond.all_of), ("any", cond.any_of)):
        for j, sub in enumerate(subs or ()):
            out.extend(_condition_problems(sub, (*loc, key, j), instruments))
    if cond.not_ is not None:
        out.extend(_condition_problems(cond.not_, (*loc, "not"), instruments))
    refs: list[tuple[tuple, str, tuple[str, ...]]] = []
    if cond.band_in:
        refs.append(((*loc, "band_in", "scale"), cond.band_in.scale, cond.band_in.bands))
    for key, leaf in (("t_at_least", cond.t_at_least), ("raw_at_least", cond.raw_at_least)):
        if leaf:
            refs.append(((*loc, key, "scale"), leaf.scale, ()))
    if cond.t_at_least and cond.t_at_least.scale in known and cond.t_at_least.scale not in _normed(instruments):
        out.append(((*loc, "t_at_least", "scale"), f"scale '{cond.t_at_least.scale}' has no norms, so no T-score"))
    if cond.signals_at_least:
        for j, sid in enumerate(cond.signals_at_least.among):
            refs.append(((*loc, "signals_at_least", "among", j), sid, (cond.signals_at_least.band,)))
    for where, sid, bands in refs:
        if sid not in known:
            out.append((where, f"no loaded instrument has a scale '{sid}'"))
        elif any(b not in known[sid] for b in bands):
            out.append((where, f"scale '{sid}' has bands {list(known[sid])}, not {list(bands)}"))
    return out
