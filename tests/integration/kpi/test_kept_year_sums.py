"""The kept year sums (issue 24): over a history longer than a year, figures read by year — a whole year as its
year sum less the months outside the request, the month in progress as its month sum less its days after today —
equal the figures computed from the folded facts, equal care too; and the month and year sums kept by the live
path and by the replay equal the day counts of a fold from scratch summed per month and per year."""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from contracts.registry import parse_event
from services.chassis.db import Database
from services.kpi.batch import Folder
from services.kpi.domain.equal_care import equal_care, equal_care_from
from services.kpi.domain.figures import Query
from services.kpi.domain.tally import MonthKey, by_month
from services.kpi.domain.tally_read import parts, selection, table
from services.kpi.store.figures import figure_table, figure_tables
from services.kpi.store.tables import TallyMonthRow
from services.kpi.use_cases import project_batch
from tests.integration.kpi.test_kept_figures import (
    NOW,
    PLACES,
    RULES,
    TALLIES,
    build_call,
    build_case,
    case_spec,
    clear,
    from_scratch,
    store,
)
from tests.integration.kpi.test_live_batch import split

__all__ = ["store"]  # the fixture, used by name

long_case = st.tuples(case_spec, st.integers(0, 420)).map(lambda t: {**t[0], "day": t[1]})  # 14 months
long_call = st.tuples(st.integers(0, 420), st.sampled_from(["answered", "full", "callback", "abandoned"]))
# requests by year over 7 to 17 whole months, and today anywhere from their start to past their end
PERIODS = [(date(2023, 3, 1), date(2024, 2, 29)), (date(2023, 1, 1), date(2023, 12, 31)),
           (date(2023, 2, 1), date(2024, 5, 31)), (date(2023, 5, 1), date(2023, 11, 30)),
           (date(2023, 7, 1), date(2024, 4, 30))]


def month_sums(db: Database) -> Counter[MonthKey]:
    with Session(db.engine) as s:
        rows = s.exec(select(TallyMonthRow)).all()
    return +Counter({(r.figure, r.level, r.month, *(v or None for v in (r.municipality, r.sex, r.unit, r.unit_by,
                                                                           r.item)), r.counted): r.n for r in rows})


def by_year_requests(rng: random.Random) -> list[Query]:
    out = []
    for first, last in PERIODS:
        today = first + timedelta(days=rng.randint(150, 520))
        out.append(Query(first, last, today, "year", rng.choice([None, *PLACES]), None, None,
                         rng.choice([None, "municipality", "sex", "unit"])))
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(cases=st.lists(long_case, min_size=1, max_size=14), calls=st.lists(long_call, max_size=3),
       rng=st.randoms(use_true_random=False))
def test_figures_by_year_from_the_year_sums_equal_a_fold_from_scratch(
        store: Database, cases: list[dict[str, Any]], calls: list[tuple[int, str]], rng: random.Random) -> None:
    wire = [d for i, s in enumerate(cases) for d in build_case(i, s)]
    wire += [d for i, c in enumerate(calls) for d in build_call(i, c)]
    reference, counts = from_scratch(wire)
    clear(store)
    for batch in split(rng, [parse_event(d) for d in wire]):
        with store.uow() as uow:
            project_batch(uow, RULES, batch, NOW)
            uow.commit()
    assert month_sums(store) == +by_month(counts)

    read_by_year = 0
    with Session(store.engine) as s:
        for q in by_year_requests(rng):
            for figure in sorted(TALLIES.figures - {"calls"}):
                sel = selection(q, figure, TALLIES)
                read_by_year += bool(sel is not None and parts(sel).years)
                assert figure_table(s, TALLIES, q, figure).rows() == table(reference, q, figure, RULES).rows(), \
                    (q, figure)
            for by, values in (("municipality", PLACES), ("sex", ["female", "male"])):
                assert equal_care_from(lambda names, mq: figure_tables(s, TALLIES, mq, names), TALLIES.defs, q,
                                       by, values) == equal_care(reference, q, by, values), (q, by)
    assert read_by_year  # the requests above read whole years from the year sums

    clear(store)  # the replay's fold and batch write: the same month and year sums
    folder = Folder(TALLIES)
    for d in rng.sample(wire, len(wire)):
        folder.add(json.dumps(d).encode())
        if rng.random() < 0.1:
            folder.flush(store)
    folder.count()
    folder.flush(store)
    assert month_sums(store) == +by_month(counts)
