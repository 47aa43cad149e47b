"""What each case and call adds to the kept figures: counts per figure, day and the dashboard's dimensions (pure).

The store keeps the sum of these over every case and call (`kpi_tally`), updated with the facts in the same
transaction, so a figure request sums a period's rows instead of folding its cases again (domain/tally_read.py).
Every count comes from the same functions the figures are computed with (`spans`, `figures`, `care_figures`,
`school_figures`, `deviations`), so a figure read from the tally equals the figure computed from the facts.

A case's counts depend on its facts alone, never on today. What does depend on today is counted as it will read
once today has passed it: a clock still within its limit as met or not by its eventual end, a deviation dated
the day a visit happens. Such a case stays *open* until `settles_on` (its clocks' ends, or OPEN_END while one
still runs with no end in sight, as "waiting" then has no last day); a figure request recomputes only the open
cases as of today and takes their kept counts out (the open-clock set, small whatever the history).

Waiting is a snapshot at a period's last day: each wait [first day, first day not waiting) is kept as one count
on every month's last day it covers (`waiting_end`), and as `wait_in`/`wait_out` on its first and its ended
day, so a snapshot on any day is its previous month-end's count plus the month's movements up to that day. The
same for waits over their limit (`over_end`, `over_in`, `over_out`).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Protocol

from services.kpi.domain.care_figures import seat_counts
from services.kpi.domain.clocks import open_clock
from services.kpi.domain.days import local_date, ym
from services.kpi.domain.definitions import Definitions, Measure, RuleSet
from services.kpi.domain.deviations import evaluate, settles_on
from services.kpi.domain.facts import Facts
from services.kpi.domain.figures import call_counts, contact_counts, triage_counts
from services.kpi.domain.periods import age_band
from services.kpi.domain.report import reported_unit
from services.kpi.domain.school_figures import SCHOOL_CHANNELS, school_counts
from services.kpi.domain.spans import Span, cohort_counts, cohort_settles, completed_counts, span_of, waited_until
from services.kpi.domain.views import CaseView
from services.kpi.domain.window import OPEN_END, call_day, window_of

FORMAT = "1"  # what is kept and how: a change rebuilds every store's tally from its facts at start-up
# (figure, day, municipality, sex, age band, channel, unit filtered on, unit shown by unit, item, column)
Key = tuple[str, date, str | None, str | None, str | None, str | None, str | None, str | None, str | None, str]
BOARD = "clocks"  # the clock board's open-clock set (not a kept figure)
WAITING = ("wait_in", "wait_out", "over_in", "over_out", "waiting_end", "over_end")
CASE_FIGURES = ("referrals_by_channel", "triage_split", "school_referrals", "parent_groups", "deviations")


class _Add(Protocol):  # `add` in Tallies.case
    def __call__(self, figure: str, day: date, unit: str | None, unit_by: str | None, item: str | None,
                 counts: dict[str, int]) -> None: ...


class Tallies:
    """The counts of the kept figures under one set of definitions and deviation rules."""

    def __init__(self, defs: Definitions, rules: RuleSet) -> None:
        self.defs, self.rules = defs, rules
        self.measures = list(defs.measures.values())
        self.figures = frozenset((*defs.measures, "calls", *CASE_FIGURES))
        # figures whose open cases are recomputed as of today (the others never read today)
        self.today_bound = frozenset((*defs.measures, "school_referrals", "deviations"))
        self.follow = timedelta(days=defs.parent_group_follow_up_days)
        kept = {"format": FORMAT, "measures": [vars(m) for m in self.measures], "age_bands": defs.age_bands,
                "queue_full": defs.offered_includes_queue_full, "follow": defs.parent_group_follow_up_days,
                "rules": [vars(r) for r in rules.rules]}
        # the store compares it at start-up: what is kept under other definitions is rebuilt from the facts
        self.signature = hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def case(self, case_id: str, facts: Facts, only: str | None = None) -> tuple[Counter[Key], dict[str, date]]:
        """What the case adds to every kept figure (or to `only` that one), and for each figure whose reading of
        the case depends on today, the day from which it no longer does (the case is open for it until then)."""
        v = CaseView(case_id, facts)
        out: Counter[Key] = Counter()
        place, sex, band, channel = v.municipality, v.sex, age_band(v.age, self.defs.age_bands), v.channel

        def add(figure: str, day: date, unit: str | None, unit_by: str | None, item: str | None,
                counts: dict[str, int]) -> None:
            if only is None or figure == only:
                for name, n in counts.items():
                    if n:
                        out[(figure, day, place, sex, band, channel, unit, unit_by, item, name)] += n

        settles: dict[str, date | None] = {}
        for m in self.measures:
            if only is None or only == m.id or (only == "school_referrals" and m.id == "assessment_3d"):
                span = span_of(v, m)
                if span is not None:
                    settles[m.id] = _clock(add, v, m, span)
                    if m.id == "assessment_3d":
                        settles["school_referrals"] = self._school(add, v, m, span)
        if only is None or only == "deviations":
            for d in evaluate(v, self.rules, OPEN_END):  # dated today only while a clock runs: open, never read
                if d.day < OPEN_END:
                    add("deviations", d.day, d.unit_id, reported_unit(d), None, {"total": 1, d.rule_id: 1})
            settles["deviations"] = settles_on(v, self.rules, OPEN_END)
        if only is None:
            self._cases(add, v)
            settles[BOARD] = self._board(v)
        return out, {figure: day for figure, day in settles.items() if day is not None}

    def _board(self, v: CaseView) -> date | None:
        """A case the clock board reads (a clock of it still open, and its active window reaching today) until
        the day after its window's last day."""
        if all(open_clock(v, m, OPEN_END) is None for m in self.measures):
            return None
        last = window_of(v)[1]
        return last + timedelta(days=1) if last is not None and last < OPEN_END else last

    def _school(self, add: _Add, v: CaseView, m: Measure, span: Span) -> date | None:
        """A school referral's 3-day clock, read by contact cohort (school_figures); when that reading settles."""
        prefix = SCHOOL_CHANNELS.get(v.channel or "")
        if not v.school or prefix is None:
            return None
        start = local_date(span.start)
        add("school_referrals", start, v.unit, v.unit, None,
            school_counts(prefix, cohort_counts(span, m, start, start, OPEN_END)))
        return cohort_settles(span, m)

    def _cases(self, add: _Add, v: CaseView) -> None:
        """The figures that never read today: contacts by channel, the triage split, parent groups."""
        for contact in v.facts.get("contacts", {}).values():
            add("referrals_by_channel", local_date(contact["at"]), v.unit, v.unit, None, contact_counts(contact))
        if (decided := triage_counts(v)) is not None:
            add("triage_split", local_date(decided[0]), v.unit, v.unit, None, decided[1])
        for gid, g in v.facts.get("groups", {}).items():
            if (seat := seat_counts(v, g, self.follow)) is not None:
                add("parent_groups", seat[0], seat[1], seat[1] or v.unit, gid, seat[2])

    def call(self, call_id: str, facts: Facts) -> Counter[Key]:
        """What the call adds to the phone figure (calls have no child: no dimensions but the line)."""
        out: Counter[Key] = Counter()
        if call_day(facts) is None:
            return out
        counted = call_counts(facts, self.defs.offered_includes_queue_full)
        if counted is None:
            return out  # a 'Kontakta oss' call-back: the call-backs figure counts it, not the phone figure
        t0, counts = counted
        for name, n in counts.items():
            if n:
                out[("calls", local_date(t0), None, None, None, None, None, None, facts.get("line"), name)] += n
        return out


def _clock(add: _Add, v: CaseView, m: Measure, span: Span) -> date | None:
    """A guarantee clock's counts (cohort by its start, completed by its end, waiting as snapshots); returns the
    day from which its reading no longer depends on today."""
    start = local_date(span.start)
    unit, unit_by = span.unit, span.unit or v.unit
    add(m.id, start, unit, unit_by, None, cohort_counts(span, m, start, start, OPEN_END))
    if span.end is not None:
        add(m.id, local_date(span.end), unit, unit_by, None, completed_counts(span, m))
    until = waited_until(span)
    if until is None:
        return OPEN_END  # still waiting, with no end in sight: read as of today from the open cases
    if until > start:
        over = start + timedelta(days=m.limit_days + 1)  # the first day waited over the limit
        add(m.id, start, unit, unit_by, None, {"wait_in": 1})
        add(m.id, until, unit, unit_by, None, {"wait_out": 1, "over_out": int(over < until)})
        if over < until:
            add(m.id, over, unit, unit_by, None, {"over_in": 1})
        for last in month_ends(start, until):
            add(m.id, last, unit, unit_by, None, {"waiting_end": 1, "over_end": int(last >= over)})
    return cohort_settles(span, m)  # a wait with an end reads the same on any day: only the cohort waits


def month_ends(first: date, until: date) -> Iterator[date]:
    """Every month's last day in [first, until)."""
    month = date(first.year, first.month, 1)
    while True:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last = following - timedelta(days=1)
        if last >= until:
            return
        yield last
        month = following


# Month sums without the dimensions a request does not name: a whole month of a figure in a few rows. A level
# keeps municipality (m), sex (s) and/or the units (u); age band and channel only the day rows keep.
MonthKey = tuple[str, str, str, str | None, str | None, str | None, str | None, str | None, str]
LEVELS = ("", "m", "s", "u", "mu", "su")


def by_month(change: Counter[Key]) -> Counter[MonthKey]:
    """Day counts summed per month at every level: (figure, level, month, municipality, sex, unit, unit shown,
    item, column)."""
    out: Counter[MonthKey] = Counter()
    months: dict[date, str] = {}
    for (figure, day, municipality, sex, _age, _channel, unit, unit_by, item, name), n in change.items():
        if (month := months.get(day)) is None:
            month = months[day] = ym(day)
        out[(figure, "", month, None, None, None, None, item, name)] += n
        out[(figure, "m", month, municipality, None, None, None, item, name)] += n
        out[(figure, "s", month, None, sex, None, None, item, name)] += n
        out[(figure, "u", month, None, None, unit, unit_by, item, name)] += n
        out[(figure, "mu", month, municipality, None, unit, unit_by, item, name)] += n
        out[(figure, "su", month, None, sex, unit, unit_by, item, name)] += n
    return out
