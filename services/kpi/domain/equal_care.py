"""Equal care side by side: every municipality (or sex) over one period, small cells suppressed (pure).

"From Ammarnäs to Ålidhem", equal for girls and boys (DOMAIN.md): the same figures as the charts —
the 3-day share (by the chosen basis), the first-visit waits against 7 and 30 days and who still waits,
and the triage split — one row per municipality or sex, for the whole period asked.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from services.kpi.domain.definitions import Definitions
from services.kpi.domain.figures import compute
from services.kpi.domain.query import Dataset, Query
from services.kpi.domain.table import Table

# (column, numerator, denominator) of each share shown; the counts behind them are children
SHARES = {"assessment_3d": ("assessment_3d_met", "assessment_3d_base"),
          "first_line_visit_7d": ("first_line_visit_7d_met", "first_line_visit_7d_base"),
          "bup_first_visit_30d": ("bup_first_visit_30d_met", "bup_first_visit_30d_base"),
          "share_primary_care": ("primary_care", "decided"), "share_bup": ("bup", "decided")}
COUNTS = ["contacts", "assessment_3d_met", "assessment_3d_base", "first_line_visit_7d_met",
          "first_line_visit_7d_base", "bup_first_visit_30d_met", "bup_first_visit_30d_base",
          "waiting_first_line", "waiting_bup", "decided", "primary_care", "bup"]
FIGURES = ("assessment_3d", "first_line_visit_7d", "bup_first_visit_30d", "triage_split")
BASIS_COLUMNS = {"cohort": ("cohort_met", "cohort_base"), "completed": ("met", "guarantee_base")}


def _summed(t: Table) -> dict[str | None, Counter[str]]:
    """Counts over every period of a table, per dimension value (waiting: the last period's snapshot)."""
    out: dict[str | None, Counter[str]] = {}
    last = t.periods[-1] if t.periods else None
    for (period, dim), c in t.cells.items():
        acc = out.setdefault(dim, Counter())
        for col, n in c.items():
            if col.startswith("waiting"):
                if period == last:
                    acc[col] += n
            else:
                acc[col] += n
    return out


def equal_care(ds: Dataset, q: Query, by: str, values: Iterable[str], basis: str | None = None,
               suppress_below: int = 0) -> list[dict[str, Any]]:
    """One row per value of `by` (municipality or sex), every value listed even when empty."""
    return equal_care_of(lambda figure, mq: compute(ds, mq, figure), ds.defs, q, by, values, basis, suppress_below)


def equal_care_of(figure: Callable[[str, Query], Table], defs: Definitions, q: Query, by: str,
                  values: Iterable[str], basis: str | None = None, suppress_below: int = 0) -> list[dict[str, Any]]:
    """`equal_care` from the figures as `figure(name, query)` gives them (computed, or read from the tallies)."""
    return equal_care_from(lambda names, mq: {n: figure(n, mq) for n in names}, defs, q, by, values, basis,
                           suppress_below)


def equal_care_from(tables: Callable[[list[str], Query], dict[str, Table]], defs: Definitions, q: Query, by: str,
                    values: Iterable[str], basis: str | None = None, suppress_below: int = 0) -> list[dict[str, Any]]:
    """`equal_care` from its four figures as `tables(names, query)` gives them at once (read together)."""
    mq = replace(q, by=by, grain="year")  # summed over the period anyway: the fewest rows to read
    three = defs.measures["assessment_3d"]
    met_col, base_col = BASIS_COLUMNS[basis or three.basis]
    got = {n: _summed(t) for n, t in tables(list(FIGURES), mq).items()}
    a3, fl, bup, tri = (got[n] for n in FIGURES)
    seen = [*values]
    seen += sorted({str(k) for k in (*a3, *tri) if k is not None and str(k) not in seen})
    rows = []
    for v in seen:
        a, f, b, t = a3.get(v, Counter()), fl.get(v, Counter()), bup.get(v, Counter()), tri.get(v, Counter())
        counts = {"contacts": a["started"], "assessment_3d_met": a[met_col], "assessment_3d_base": a[base_col],
                  "first_line_visit_7d_met": f["met"], "first_line_visit_7d_base": f["guarantee_base"],
                  "bup_first_visit_30d_met": b["met"], "bup_first_visit_30d_base": b["guarantee_base"],
                  "waiting_first_line": f["waiting"], "waiting_bup": b["waiting"],
                  "decided": t["decided"], "primary_care": t["primary_care"], "bup": t["bup"]}
        rows.append({by: v, **_suppressed(counts, suppress_below)})
    return rows


def _suppressed(counts: dict[str, int], below: int) -> dict[str, Any]:
    """Counts of 1..below-1 children hidden (None), and every share built on a hidden or small count."""
    small = {k for k, n in counts.items() if below and 0 < n < below}
    row: dict[str, Any] = {k: (None if k in small else n) for k, n in counts.items()}
    for share, (num, den) in SHARES.items():
        d = counts[den]
        row[share] = None if d == 0 or {num, den} & small else round(counts[num] / d, 4)
    row["suppressed"] = sorted(small)
    return row
