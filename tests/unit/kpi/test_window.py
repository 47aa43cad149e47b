"""A figure computed from only the cases whose active window overlaps its period equals the figure from
every case: what lets the API read a period's rows instead of the whole history."""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.kpi.domain.figures import FIGURES, Dataset, Query, compute
from services.kpi.domain.report import deviations_figure
from services.kpi.domain.window import OPEN_END, call_day, case_window
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import DEFS, RULES, fold
from tests.unit.kpi.test_order_property import build_call, build_case, call_spec, case_spec

MONTHS = [(date(2023, m, 1), date(2023, m + 1, 1).replace(day=1)) for m in range(2, 8)]


def windowed(cases: dict, calls: dict, q: Query) -> Dataset:  # type: ignore[type-arg]
    """What load_cases/load_calls select for the query, done in memory."""
    picked = {}
    for k, f in cases.items():
        first, last = case_window(k, f)
        if first is not None and first <= q.end and last is not None and last >= q.start:
            picked[k] = f
    chosen = {k: f for k, f in calls.items() if (d := call_day(f)) is not None and q.start <= d <= q.end}
    return Dataset(picked.items(), chosen.items(), DEFS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(case_spec, min_size=1, max_size=10), calls=st.lists(call_spec, max_size=6),
       start=st.integers(0, 4), length=st.integers(0, 2), today_extra=st.integers(0, 90))
def test_figures_from_the_windowed_cases_equal_figures_from_every_case(cases, calls, start, length, today_extra):
    events = [e for i, s in enumerate(cases) for e in build_case(i, s)]
    events += [e for i, s in enumerate(calls) for e in build_call(i, s)]
    all_cases, all_calls = fold(events)
    first = MONTHS[start][0]
    last = date.fromordinal(MONTHS[min(start + length, 5)][0].toordinal() + 27)
    q = Query(first, last, date.fromordinal(last.toordinal() + today_extra), "month")
    full, part = Dataset(all_cases.items(), all_calls.items(), DEFS), windowed(all_cases, all_calls, q)
    for name in [*DEFS.measures, *FIGURES]:
        assert compute(part, q, name).rows() == compute(full, q, name).rows(), name
    assert deviations_figure(part, q, RULES).rows() == deviations_figure(full, q, RULES).rows()


def test_a_case_with_a_running_clock_stays_open_and_a_finished_one_closes_at_its_last_fact():
    waiting, done = CaseBuilder(), CaseBuilder()
    waiting.referral(at("2023-03-01")); waiting.advice(at("2023-03-02")); waiting.decided(at("2023-03-02"), "bup")
    done.referral(at("2023-03-01")); done.advice(at("2023-03-02")); done.decided(at("2023-03-02"), "bup")
    done.booked("A-1", at("2023-03-02"), at("2023-04-20"), level="bup", unit="bup-umea")
    cases, _ = fold(waiting.events + done.events)
    assert case_window(waiting.case_id, cases[waiting.case_id]) == (date(2023, 3, 1), OPEN_END)
    assert case_window(done.case_id, cases[done.case_id]) == (date(2023, 3, 1), date(2023, 4, 20))
    waiting.closed(at("2023-05-02"))
    cases, _ = fold(waiting.events)
    assert case_window(waiting.case_id, cases[waiting.case_id]) == (date(2023, 3, 1), date(2023, 5, 2))
