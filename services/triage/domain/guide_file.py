"""Loading the care-level guide's rules file: every scale and band a rule names must exist, else the line is named."""
from __future__ import annotations

from pathlib import Path

from services.triage.domain import datafile
from services.triage.domain.datafile import Loc, Problem
from services.triage.domain.guide import Condition, Guide
from services.triage.domain.instruments import InstrumentSet


def load_guide(path: Path, instruments: InstrumentSet) -> Guide:
    """Load the rules file and check that every scale and band it names exists in the loaded instruments."""
    guide, lines = datafile.load(path, Guide)
    problems: list[Problem] = []
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


def _condition_problems(cond: Condition, loc: Loc, instruments: InstrumentSet) -> list[Problem]:
    known = _scale_bands(instruments)
    out: list[Problem] = []
    for key, subs in (("all", cond.all_of), ("any", cond.any_of)):
        for j, sub in enumerate(subs or ()):
            out.extend(_condition_problems(sub, (*loc, key, j), instruments))
    if cond.not_ is not None:
        out.extend(_condition_problems(cond.not_, (*loc, "not"), instruments))
    refs: list[tuple[Loc, str, tuple[str, ...]]] = []
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
