"""Named query: one figure for a query, read from the kept tallies, with the open cases recomputed as of today.

A figure request sums its period's tally rows in SQL (a few thousand at most, whatever the history) and builds
the table from them (domain/tally_read.py). For figures whose reading depends on today (the clocks, the school
referrals' 3-day share, the deviations) the cases still open today are read — those with a clock running, a
visit to come, a limit not yet passed — and their kept counts are swapped for their figure as of today. The
figures nobody keeps (collaborations, gaps in supply) are computed from the cases of the period as before.
"""
from __future__ import annotations

from collections import Counter

from sqlmodel import Session

from services.kpi.domain.facts import Facts
from services.kpi.domain.figures import Dataset, Query
from services.kpi.domain.table import Table
from services.kpi.domain.tally import Key, Tallies
from services.kpi.domain.tally_read import Selection, build, corrected, empty, select, selection, table
from services.kpi.store import queries, tally


def figure_table(session: Session, tallies: Tallies, q: Query, figure: str) -> Table:
    return figure_tables(session, tallies, q, [figure])[figure]


def figure_tables(session: Session, tallies: Tallies, q: Query, figures: list[str]) -> dict[str, Table]:
    """Several figures of one query: their kept rows read together, their open cases in one set (equal care's
    four figures and three clocks: two reads of the kept rows and one of the open cases, not four and three)."""
    out: dict[str, Table] = {}
    sels: dict[str, Selection] = {}
    for figure in figures:
        if figure not in tallies.figures:  # computed from the cases whose active window overlaps the period
            out[figure] = table(Dataset(queries.load_cases(session, q.start, q.end), [], tallies.defs), q, figure,
                                tallies.rules)
        elif (sel := selection(q, figure, tallies)) is None:  # the period starts after today: nothing to count
            out[figure] = empty(tallies, q, figure)
        else:
            sels[figure] = sel
    rows = tally.read_many(session, list(sels.values()))
    bound = {f: sel.hi for f, sel in sels.items() if f in tallies.today_bound}
    open_cases = queries.load_open_cases_of(session, list(bound), q.today, bound)
    for figure, sel in sels.items():
        kept = build(empty(tallies, q, figure), rows[figure], q, sel)
        out[figure] = _as_of_today(tallies, q, figure, sel, kept, open_cases.get(figure, []))
    return out


def _as_of_today(tallies: Tallies, q: Query, figure: str, sel: Selection, kept: Table,
                 open_cases: list[tuple[str, Facts]]) -> Table:
    """The kept figure with its open cases' kept counts swapped for their figure as of today."""
    if not open_cases:
        return kept
    counts: Counter[Key] = Counter()
    for key, facts in open_cases:
        counts.update(tallies.case(key, facts, only=figure)[0])
    kept_open = build(empty(tallies, q, figure), select(counts, sel), q, sel)
    live_open = table(Dataset(open_cases, [], tallies.defs), q, figure, tallies.rules)
    return corrected(kept, kept_open, live_open)
