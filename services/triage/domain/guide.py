"""The responsibility-allocation guide as data: rules that point to care levels, applied under LEON."""
from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import CareLevel
from services.triage.domain.instruments import Severity, Text
from services.triage.domain.scoring import RiskSignal, ScaleResult

SEVERITY_RANK: dict[Severity, int] = {"high": 1, "acute": 2}


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
    risk: Severity | None = None
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
    level: CareLevel
    because: str


@dataclass(frozen=True)
class Proposal:
    level: CareLevel
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
        ta = cond.t_at_least
        t = s[ta.scale].t_score if ta.scale in s else None
        return t is not None and t >= ta.t, f"{ta.scale} T={_num(t)} >= {_num(ta.t)}"
    if cond.raw_at_least is not None:
        ra = cond.raw_at_least
        raw = s[ra.scale].raw if ra.scale in s else None
        return raw is not None and raw >= ra.raw, f"{ra.scale} raw={_num(raw)} >= {_num(ra.raw)}"
    if cond.signals_at_least is not None:
        c = cond.signals_at_least
        hits = [sid for sid in c.among if sid in s and s[sid].band == c.band]
        return len(hits) >= c.n, f"{len(hits)} scales at {c.band} ({', '.join(hits) or 'none'}) >= {c.n}"
    if cond.risk is not None:
        hits = [r.flag for r in facts.risks if SEVERITY_RANK[r.severity] >= SEVERITY_RANK[cond.risk]]
        return bool(hits), f"risk {cond.risk}: {', '.join(hits) or 'none'}"
    if cond.age_at_least is not None:
        return facts.age >= cond.age_at_least, f"age {facts.age} >= {cond.age_at_least}"
    if cond.age_at_most is None:  # Condition._exactly_one makes this the one key left
        raise ValueError("a condition without a key")
    return facts.age <= cond.age_at_most, f"age {facts.age} <= {cond.age_at_most}"


def _num(v: float | None) -> str:
    if v is None:
        return "none"
    return str(int(v)) if float(v).is_integer() else str(v)


def propose(guide: Guide, facts: Facts) -> Proposal:
    """LEON: the lowest level whose need is shown; a rule for a higher level shows the lower ones are not enough."""
    fired: list[Fired] = []
    for rule in guide.rules:
        ok, because = evaluate(rule.when, facts)
        if ok:
            fired.append(Fired(rule.id, rule.level, because))
    level: CareLevel
    if any(f.level == "urgent" for f in fired):
        level = "urgent"
    else:
        pointed = [guide.leon_order.index(f.level) for f in fired]
        level = guide.leon_order[max(pointed)] if pointed else guide.default_level
    return Proposal(level, guide.version, tuple(fired), tuple(_rejections(guide, level, fired)))


def _rejections(guide: Guide, level: CareLevel, fired: list[Fired]) -> list[str]:
    order = list(guide.leon_order)
    rank = len(order) if level == "urgent" else order.index(level)
    out: list[str] = []
    for lower in order[:rank]:
        above = [f for f in fired if f.level == "urgent" or order.index(f.level) > order.index(lower)]
        out.append(f"{lower}: not enough — " + "; ".join(f"{f.rule_id} ({f.because})" for f in above))
    return out
