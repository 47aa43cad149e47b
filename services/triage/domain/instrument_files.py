"""Loading instrument files: validation and cross-checks at start-up, every problem with its line."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from services.triage.domain import datafile
from services.triage.domain.datafile import Loc, Problem
from services.triage.domain.instruments import SEXES, Cutoff, Instrument, InstrumentSet, Item, Scale


def load_instrument(path: Path) -> Instrument:
    """Load and cross-check one instrument file; any error names its line."""
    inst, lines = datafile.load(path, Instrument)
    datafile.refuse_if(path, lines, list(_problems(inst)))
    return inst


def _problems(inst: Instrument) -> Iterator[Problem]:
    items = inst.items()
    if inst.min_age > inst.max_age:
        yield ("max_age",), "max_age is below min_age"
    seen: set[str] = set()
    for si, sec in enumerate(inst.sections):
        for ii, item in enumerate(sec.items):
            loc: Loc = ("sections", si, "items", ii)
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


def _scale_problems(inst: Instrument, scale: Scale, loc: Loc, items: dict[str, Item]) -> Iterator[Problem]:
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


def _refs_ok(inst: Instrument, scale: Scale, items: dict[str, Item]) -> bool:
    parts = [inst.scale(s) for s in scale.of]
    return (all(i in items and items[i].answer_scale in inst.answer_scales for i in scale.items)
            and all(p is not None and not p.of and _refs_ok(inst, p, items) for p in parts))


def _cutoff_problems(inst: Instrument, cut: Cutoff, loc: Loc, normed: bool) -> Iterator[Problem]:
    if cut.band not in inst.bands:
        yield (*loc, "band"), f"band '{cut.band}' is not in bands {list(inst.bands)}"
    if normed and cut.t_from is None:
        yield loc, "a normed scale's cut-offs are on T-scores (t_from)"
    if not normed and cut.raw_from is None:
        yield loc, "a scale without norms has cut-offs on raw scores (raw_from)"


def _norm_problems(inst: Instrument, scale: Scale, loc: Loc) -> Iterator[Problem]:
    top = inst.max_raw(scale)
    for ti, table in enumerate(scale.norms):
        expected, last_t = 0, float("-inf")
        for ri, (lo, hi, t) in enumerate(table.rows):
            if lo != expected or hi < lo:
                yield (*loc, "norms", ti, "rows", ri), f"rows must run on without gaps from raw 0; expected {expected}"
                break
            if t < last_t:  # a higher raw score must never read as less of a problem
                yield (*loc, "norms", ti, "rows", ri), f"T {t} is below the previous row's T {last_t}"
            expected, last_t = hi + 1, t
        else:
            if expected - 1 != top:
                yield (*loc, "norms", ti, "rows"), f"rows end at {expected - 1} but the scale's maximum is {top}"
    for age in range(inst.min_age, inst.max_age + 1):
        for sex in SEXES:
            n = sum(t.covers(age, sex) for t in scale.norms)
            if n != 1:
                yield (*loc, "norms"), f"age {age}, sex {sex}: {n} norm tables apply (exactly one must)"
                return


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


def _comparison_problems(inst: Instrument, others: dict[str, Instrument]) -> Iterator[Problem]:
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
