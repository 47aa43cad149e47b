"""Guarantee clocks of a case as spans (start, end, limit), and their period figures."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from services.kpi.domain.days import days_between, local_date
from services.kpi.domain.definitions import Measure
from services.kpi.domain.views import CaseView


@dataclass(frozen=True)
class Span:
    case_id: str
    start: str
    end: str | None  # None: still waiting
    stop: str | None  # closed or signposted: no longer waiting, though the clock never ended
    unit: str | None
    chosen: bool  # the family chose a later time: counted apart, out of the guarantee share
    key: str  # appointment or decision the span belongs to (for deviation evidence)

    def days(self) -> int | None:
        return days_between(self.start, self.end) if self.end else None


def span_of(view: CaseView, m: Measure) -> Span | None:
    stop = view.ended_at()
    if m.level is None:
        if not view.clock:
            return None
        return Span(view.case_id, view.clock, view.assessed, stop, view.unit, False, "contact")
    visit = view.first_visit(m.level)
    if visit is not None:
        return Span(view.case_id, visit.decided, visit.starts, stop, visit.unit, visit.chosen, visit.appointment_id)
    decision = view.decided_to(m.level)
    if decision is None or view.current_level != m.level:
        return None
    return Span(view.case_id, decision.at, None, stop, None, False, decision.event_id)


def completed_in(span: Span, first: date, last: date) -> bool:
    return span.end is not None and first <= local_date(span.end) <= last


def completed_counts(span: Span, m: Measure) -> dict[str, int]:
    """What a span that ended adds on the day it ended (genomförda): met or not, or patient-chosen apart."""
    if span.chosen:
        return {"completed": 1, "patient_chosen": 1}
    return {"completed": 1, "guarantee_base": 1, "met": int((span.days() or 0) <= m.limit_days)}


def waited_until(span: Span) -> date | None:
    """The first day the span no longer waits (it ended, or the case was closed or signposted); None: it runs."""
    ends = [local_date(t) for t in (span.end, span.stop) if t is not None]
    return min(ends) if ends else None


def waiting_at(span: Span, day: date) -> bool:
    """Still waiting at the end of `day`: started by then, not ended, not closed."""
    if local_date(span.start) > day:
        return False
    until = waited_until(span)
    return until is None or until > day


def cohort_counts(span: Span, m: Measure, first: date, last: date, as_of: date) -> dict[str, int]:
    """Contact-cohort reading: a clock that STARTED in the period, judged as of `as_of` (today).

    Met or not once it ended, or once its deadline passed unmet; still within the limit = pending (out
    of the share until it is decided); patient-chosen waits, and cases closed or signposted within
    the limit without the clock ending, are counted apart and left out of the share.
    """
    start = local_date(span.start)
    if not first <= start <= last:
        return {}
    out = {"started": 1}
    if span.chosen:
        return {**out, "cohort_patient_chosen": 1}
    deadline = start + timedelta(days=m.limit_days)
    end = local_date(span.end) if span.end is not None else None
    if end is not None and end <= as_of:
        return {**out, "cohort_base": 1, "cohort_met": int(end <= deadline)}
    stop = local_date(span.stop) if span.stop is not None else None
    if stop is not None and stop <= as_of:
        return {**out, "cohort_base": 1, "cohort_met": 0} if stop > deadline else {**out, "cohort_stopped": 1}
    if as_of > deadline:
        return {**out, "cohort_base": 1, "cohort_met": 0}
    return {**out, "cohort_pending": 1}


def cohort_settles(span: Span, m: Measure) -> date | None:
    """The first day from which `cohort_counts` reads the span the same for every later `as_of` (None: it
    never depends on it). Until then the clock may still end within its limit, or its limit is still to pass."""
    if span.chosen:
        return None
    deadline = local_date(span.start) + timedelta(days=m.limit_days)
    end = local_date(span.end) if span.end is not None else None
    stop = local_date(span.stop) if span.stop is not None else None
    if end is not None and end <= deadline:
        return end  # pending until it ends in time
    if stop is not None and stop <= deadline:
        return end or stop  # closed in time: counted apart, until (and unless) the clock ends after all
    return deadline + timedelta(days=1)  # not met once the limit has passed


def span_rows(span: Span, m: Measure, periods: list[tuple[str, date, date]],
              as_of: date) -> Iterator[tuple[str, dict[str, int]]]:
    """`span_counts` for each period (key, first day, last day) the span touches; the days are read once."""
    start = local_date(span.start)
    end = local_date(span.end) if span.end is not None else None
    stop = local_date(span.stop) if span.stop is not None else None
    for key, first, last in periods:
        if last < start:
            continue  # nothing happens to a clock before it starts
        if end is not None and end < first and (stop is None or stop < first) and start < first:
            continue  # over before this period began
        out = span_counts(span, m, first, last, as_of)
        if out:
            yield key, out


def span_counts(span: Span, m: Measure, first: date, last: date, as_of: date | None = None) -> dict[str, int]:
    """What one span adds to a period's row: completed (met or not, chosen apart), cohort and waiting."""
    out: dict[str, int] = cohort_counts(span, m, first, last, as_of or last)
    if completed_in(span, first, last):
        out.update(completed_counts(span, m))
    if waiting_at(span, last):
        out["waiting"] = 1
        out["waiting_over_limit"] = int((last - local_date(span.start)).days > m.limit_days)
    return out
