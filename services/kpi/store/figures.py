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

from services.kpi.domain.figures import Dataset, Query
from services.kpi.domain.table import Table
from services.kpi.domain.tally import Key, Tallies
from services.kpi.domain.tally_read import build, corrected, empty, select, selection, table
from services.kpi.store import queries, tally


def figure_table(session: Session, tallies: Tallies, q: Query, figure: str) -> Table:
    if figure not in tallies.figures:  # computed from the cases whose active window overlaps the period
        return table(Dataset(queries.load_cases(session, q.start, q.end), [], tallies.defs), q, figure, tallies.rules)
    sel = selection(q, figure, tallies)
    if sel is None:  # the period starts after today: nothing to count
        return empty(tallies, q, figure)
    kept = build(empty(tallies, q, figure), tally.read(session, sel), q, sel)
    if figure not in tallies.today_bound:
        return kept
    open_cases = queries.load_open_cases(session, figure, q.today, sel.hi)
    if not open_cases:
        return kept
    counts: Counter[Key] = Counter()
    for key, facts in open_cases:
        counts.update(tallies.case(key, facts, only=figure)[0])
    kept_open = build(empty(tallies, q, figure), select(counts, sel), q, sel)
    live_open = table(Dataset(open_cases, [], tallies.defs), q, figure, tallies.rules)
    return corrected(kept, kept_open, live_open)
