"""Several kept figures read together (equal care's four: their kept rows in shared statements, their open cases
in one set) equal each figure read alone and the figures computed from the folded facts, for any history."""
from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from contracts.registry import parse_event
from services.chassis.db import Database
from services.kpi.domain.equal_care import FIGURES, equal_care, equal_care_from
from services.kpi.domain.tally_read import table
from services.kpi.store.figures import figure_table, figure_tables
from services.kpi.use_cases import project_batch
from tests.integration.kpi.test_kept_figures import (
    NOW,
    PLACES,
    RULES,
    TALLIES,
    build_call,
    build_case,
    call_spec,
    case_spec,
    clear,
    from_scratch,
    queries,
    store,
)
from tests.integration.kpi.test_live_batch import split

__all__ = ["store"]  # the fixture, used by name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(cases=st.lists(case_spec, min_size=1, max_size=12), calls=st.lists(call_spec, max_size=3),
       rng=st.randoms(use_true_random=False))
def test_figures_read_together_equal_each_read_alone_and_a_fold_from_scratch(
        store: Database, cases: list[dict[str, Any]], calls: list[tuple[int, str]], rng: random.Random) -> None:
    wire = [d for i, s in enumerate(cases) for d in build_case(i, s)]
    wire += [d for i, c in enumerate(calls) for d in build_call(i, c)]
    reference, _ = from_scratch(wire)
    clear(store)
    for batch in split(rng, [parse_event(d) for d in wire]):
        with store.uow() as uow:
            project_batch(uow, RULES, batch, NOW)
            uow.commit()
    with Session(store.engine) as s:
        for q, figure in queries(rng, 8):  # the figure with a query made for it, and equal care's four beside it
            names = list(dict.fromkeys([figure, *(FIGURES if q.by != "line" else ())]))
            together = figure_tables(s, TALLIES, q, names)
            for name in names:
                assert together[name].rows() == figure_table(s, TALLIES, q, name).rows() == \
                    table(reference, q, name, RULES).rows(), (q, name)
        for by, values in (("municipality", PLACES), ("sex", ["female", "male"])):
            q = queries(rng, 1)[0][0]
            assert equal_care_from(lambda names, mq: figure_tables(s, TALLIES, mq, names), TALLIES.defs, q, by,
                                   values) == equal_care(reference, q, by, values)
