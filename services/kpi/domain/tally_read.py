"""A figure read back from the kept tallies (domain/tally.py), as `figures.compute` would compute it (pure).

`selection` says which rows a query needs: one figure, its days, its filters, the column it is broken down by.
The store sums them in SQL (store/tally.py); `select` does the same over counts in memory. `build` turns the
summed rows into the figure's table: counts by the period of their day; waiting as a snapshot on each period's
last day. `corrected` swaps the open cases' kept counts for their figure computed as of today.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from services.kpi.domain.days import ym
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.figures import Dataset, Query, compute
from services.kpi.domain.periods import bounds, period_of
from services.kpi.domain.report import deviations_figure
from services.kpi.domain.table import Table
from services.kpi.domain.tally import LEVELS, WAITING, Key, Tallies

# (period, or month for a waiting column; before the first day counted; breakdown value; item; column) -> count
Row = tuple[str, bool, str | None, str | None, str]
# the tally's column for each breakdown (`by`); the unit shown is the one `Dataset.dim_value` shows
DIM_COLUMNS = {"channel": "channel", "sex": "sex", "municipality": "municipality", "age_band": "age_band",
               "unit": "unit_by", "line": "item"}
SPELLED = ("channel", "sex", "municipality")  # dim_value spells these with str(): a missing one reads "None"
UNCUT = ("calls", "parent_groups", "deviations")  # counted up to `to` within the periods asked, not up to today


@dataclass(frozen=True)
class Selection:
    """The tally rows one figure request sums."""
    figure: str
    first: date  # the first day read: before `lo` only for the waiting snapshot of the month before `hi`
    lo: date  # the first day counted
    hi: date  # the last day counted
    municipality: str | None
    sex: str | None
    unit: str | None
    dim: str | None  # the column broken down by
    by_item: bool  # rows kept apart per item: parent groups count their courses
    periods: tuple[tuple[str, str], ...] = ()  # (month, its period) when the periods are not months
    snapshots: tuple[str, ...] | None = None  # the months whose waiting rows are read (None: every month)


def selection(q: Query, figure: str, tallies: Tallies) -> Selection | None:
    keys = q.period_keys()
    if not keys:
        return None
    cut = min(q.end, q.today)
    hi = min(q.end, bounds(keys[-1])[1]) if figure in UNCUT else cut
    first = q.start
    if figure in tallies.defs.measures and (cut + timedelta(days=1)).day != 1:
        first = min(q.start, cut.replace(day=1) - timedelta(days=1))  # the snapshot before the last period's end
    phone = figure == "calls"  # calls have no child: the filters do not apply
    by = q.by if figure != "deviations" or q.by == "unit" else None
    months = [ym(d) for d in _month_starts(first, hi)]
    periods = tuple((m, period_of(date.fromisoformat(f"{m}-01"), q.grain)) for m in months) \
        if q.grain != "month" else ()
    return Selection(figure, first, q.start, hi, None if phone else q.municipality, None if phone else q.sex,
                     None if phone else q.unit, DIM_COLUMNS.get(by or ""),
                     figure == "parent_groups" and q.by is None, periods, _snapshots(q) if periods else None)


def _month_starts(first: date, last: date) -> list[date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = _next_month(month)
    return out


def _snapshots(q: Query) -> tuple[str, ...]:
    """The months whose waiting rows make the snapshots on the periods' last days (domain/tally.py)."""
    out = []
    for key in q.period_keys():
        last = q.closed_bounds(key)[1]
        out.append(ym(last))
        if _next_month(last) != last + timedelta(days=1):  # not a month's end: the month before's end, and moves
            out.append(ym(last.replace(day=1) - timedelta(days=1)))
    return tuple(sorted(set(out)))


def parts(sel: Selection) -> tuple[list[tuple[date, date]], tuple[str, str] | None, str | None]:
    """How the store reads a selection: its whole months from the month sums at a level (first month, last month,
    level) when a level keeps every dimension the request names, and the days around them from the day rows."""
    level = _level(sel)
    first_whole = sel.first if sel.first.day == 1 else _next_month(sel.first)
    last_whole = sel.hi if _next_month(sel.hi) == sel.hi + timedelta(days=1) else sel.hi.replace(day=1) - \
        timedelta(days=1)
    if level is None or first_whole > last_whole:
        return [(sel.first, sel.hi)], None, None
    days = [(sel.first, first_whole - timedelta(days=1))] if sel.first < first_whole else []
    days += [(last_whole + timedelta(days=1), sel.hi)] if last_whole < sel.hi else []
    return days, (ym(first_whole), ym(last_whole)), level


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _level(sel: Selection) -> str | None:
    """The month sums' level that keeps exactly the dimensions the request filters on or breaks down by."""
    if sel.dim in ("age_band", "channel"):
        return None
    named = {"m": sel.municipality or sel.dim == "municipality", "s": sel.sex or sel.dim == "sex",
             "u": sel.unit or sel.dim == "unit_by"}
    level = "".join(k for k, v in named.items() if v)
    return level if level in LEVELS else None


def select(counts: Counter[Key], sel: Selection) -> Counter[Row]:
    """The rows of `sel` summed over counts in memory, as the store sums them in SQL."""
    out: Counter[Row] = Counter()
    periods = dict(sel.periods)
    for key, n in counts.items():
        if key[0] != sel.figure or not sel.first <= key[1] <= sel.hi:
            continue
        month = ym(key[1])
        if key[9] in WAITING and sel.snapshots is not None and month not in sel.snapshots:
            continue
        if (sel.municipality and key[2] != sel.municipality) or (sel.sex and key[3] != sel.sex) or \
                (sel.unit and key[6] != sel.unit):
            continue
        period = month if key[9] in WAITING else periods.get(month, month)
        out[(period, key[1] < sel.lo, _dim(key, sel.dim), key[8] if sel.by_item else None, key[9])] += n
    return out


def _dim(key: Key, dim: str | None) -> str | None:
    """The value of the breakdown's column in a count's key."""
    if dim is None:
        return None
    return {"municipality": key[2], "sex": key[3], "age_band": key[4], "channel": key[5], "unit_by": key[7],
            "item": key[8]}[dim]


def empty(tallies: Tallies, q: Query, figure: str) -> Table:
    """The figure's table with no data: its columns, shares, periods and breakdown."""
    return table(Dataset([], [], tallies.defs), q, figure, tallies.rules)


def table(ds: Dataset, q: Query, figure: str, rules: RuleSet) -> Table:
    """The figure computed from facts (the deviations need the rules)."""
    return deviations_figure(ds, q, rules) if figure == "deviations" else compute(ds, q, figure)


def build(t: Table, rows: Counter[Row], q: Query, sel: Selection) -> Table:
    """Summed rows into `t` (an empty table of the figure): each count in the period of its day."""
    snaps: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    cells: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    groups: dict[str, set[str]] = defaultdict(set)
    for (key, early, raw, item, name), n in rows.items():
        dim = str(raw) if sel.dim in SPELLED else raw
        if name in WAITING:
            snaps[(key, dim)][name] += n  # a month
            continue
        if early:
            continue
        cells[(key, dim)][name] += n
        if item is not None and name == "children" and n:
            groups[key].add(item)
    for (key, dim), c in cells.items():
        t.add(key, dim, c)
    if snaps:
        _waiting(t, snaps, q)
    for key, ids in groups.items():
        t.add(key, None, {"groups": len(ids)})
    return _pruned(t)


def _waiting(t: Table, snaps: dict[tuple[str, str | None], Counter[str]], q: Query) -> None:
    """Waiting at each period's last day: the month-end count, or the month before's plus this month's moves."""
    for key in t.periods:
        last = q.closed_bounds(key)[1]
        month = ym(last)
        at_end = (last + timedelta(days=1)).day == 1
        before = ym(last.replace(day=1) - timedelta(days=1))
        for dim in {d for m, d in snaps if m in (month, before)}:
            this, prev = snaps.get((month, dim), Counter()), snaps.get((before, dim), Counter())
            if at_end:
                counts = {"waiting": this["waiting_end"], "waiting_over_limit": this["over_end"]}
            else:
                counts = {"waiting": prev["waiting_end"] + this["wait_in"] - this["wait_out"],
                          "waiting_over_limit": prev["over_end"] + this["over_in"] - this["over_out"]}
            t.add(key, dim, counts)


def corrected(kept: Table, kept_open: Table, live_open: Table) -> Table:
    """The kept figure with the open cases' kept counts taken out and their figure as of today put in."""
    for cell, c in kept_open.cells.items():
        kept.cells[cell].subtract(c)
    for cell, c in live_open.cells.items():
        kept.cells[cell].update(c)
    return _pruned(kept)


def _pruned(t: Table) -> Table:
    """Cells left with nothing counted are no cells: a figure lists only what some case counted in."""
    for cell in list(t.cells):
        c = t.cells[cell]
        for name in [k for k, n in c.items() if n == 0]:
            del c[name]
        if not c:
            del t.cells[cell]
    return t
