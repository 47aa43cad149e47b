"""Deviations per period, unit and rule: the steering group's quarterly compilation (pure)."""
from __future__ import annotations

from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.deviations import Deviation, evaluate
from services.kpi.domain.figures import Dataset, Query
from services.kpi.domain.periods import period_of
from services.kpi.domain.table import Table


def deviations_figure(ds: Dataset, q: Query, rules: RuleSet) -> Table:
    """Count of deviations per period (and unit when `by=unit`), one column per rule."""
    t = deviations_table(q, rules)
    keys = set(t.periods)
    for v in ds.selected(q):
        for d in evaluate(v, rules, q.today):
            key = period_of(d.day, q.grain)
            if key not in keys or not q.start <= d.day <= q.end or (q.unit and d.unit_id != q.unit):
                continue
            t.add(key, reported_unit(d) if t.dim else None, {"total": 1, d.rule_id: 1})
    return t


def deviations_table(q: Query, rules: RuleSet) -> Table:
    """The empty table of the deviations figure: a total and one column per rule."""
    cols = [r.id for r in rules.rules]
    return Table("deviations", ["total", *cols], frozenset(["total", *cols]), {}, "unit" if q.by == "unit" else None,
                 periods=q.period_keys())


def reported_unit(d: Deviation) -> str:
    """The unit a deviation is reported under: its unit, else its level in brackets."""
    return d.unit_id or f"({d.level})"
