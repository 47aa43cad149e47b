"""Scoring of answered forms: raw sums, composites, T-scores from the norm tables, bands, risk, disagreement."""
from __future__ import annotations

from dataclasses import dataclass

from services.triage.domain.instruments import FUNCTIONING_KINDS, Cutoff, Instrument, Scale, Severity

Answers = dict[str, int]  # item id -> the chosen option's value


@dataclass(frozen=True)
class ScaleResult:
    scale: str
    kind: str
    raw: int
    max_raw: int
    t_score: float | None
    band: str

    @property
    def share(self) -> float:
        return self.raw / self.max_raw if self.max_raw else 0.0


@dataclass(frozen=True)
class RiskSignal:
    item: str
    flag: str
    severity: Severity


def raw_score(inst: Instrument, scale: Scale, answers: Answers) -> int:
    if scale.of:
        return sum(raw_score(inst, inst.part(s), answers) for s in scale.of)
    items = inst.items()
    scales = inst.answer_scales
    return sum(scales[items[i].answer_scale].points_for(answers[i]) for i in scale.items)


def t_score(scale: Scale, raw: int, age: int, sex: str) -> float | None:
    table = next((t for t in scale.norms if t.covers(age, sex)), None)
    return table.t_for(raw) if table else None


def band_of(inst: Instrument, scale: Scale, raw: int, t: float | None, sex: str) -> str:
    """The highest band whose cut-off is met; the instrument's first band when none is."""
    order = {b: i for i, b in enumerate(inst.bands)}
    met = [c.band for c in inst.cutoffs_of(scale) if _meets(c, raw, t, sex)]
    return max(met, key=order.__getitem__, default=inst.bands[0])


def _meets(cut: Cutoff, raw: int, t: float | None, sex: str) -> bool:
    if cut.sex is not None and sex not in cut.sex:
        return False
    if cut.t_from is not None:
        return t is not None and t >= cut.t_from
    return cut.raw_from is not None and raw >= cut.raw_from


def score_form(inst: Instrument, answers: Answers, age: int, sex: str) -> list[ScaleResult]:
    results: list[ScaleResult] = []
    for scale in inst.scales:
        raw = raw_score(inst, scale, answers)
        t = t_score(scale, raw, age, sex) if scale.norms else None
        results.append(ScaleResult(scale.id, scale.kind, raw, inst.max_raw(scale), t, band_of(inst, scale, raw, t, sex)))
    return results


def functioning(results: list[ScaleResult]) -> dict[str, float]:
    return {r.scale: float(r.raw) for r in results if r.kind in FUNCTIONING_KINDS}


def risk_signals(inst: Instrument, answers: Answers) -> list[RiskSignal]:
    """Risk items whose answer reaches a risk rule; the most severe rule of an item wins."""
    out: list[RiskSignal] = []
    for item in inst.items().values():
        if item.id not in answers:
            continue
        hits = [r for r in item.risk if answers[item.id] >= r.min_value]
        if hits:
            top = max(hits, key=lambda r: r.min_value)
            out.append(RiskSignal(item.id, top.flag, top.severity))
    return out


def disagreements(own: Instrument, own_results: list[ScaleResult], other_results: list[ScaleResult]) -> list[str]:
    """Scales where the young person's and the guardian's shares of the maximum differ by the set amount."""
    if own.compare_with is None:
        return []
    mine = {r.scale: r for r in own_results}
    theirs = {r.scale: r for r in other_results}
    flagged: list[str] = []
    for own_scale, other_scale in own.compare_with.pairs.items():
        a, b = mine.get(own_scale), theirs.get(other_scale)
        if a and b and abs(a.share - b.share) >= own.compare_with.min_share_difference - 1e-9:
            flagged.append(other_scale)
    return flagged
