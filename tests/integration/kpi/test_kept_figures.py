"""The kept figures (kpi_tally, issue 24) on a real store: after any delivery of a random history — shuffled across
topics, split into batches, events delivered again — the tally equals the counts of a fold from scratch, the
replay keeps the same tally, every kept figure read for any period, filter, breakdown and day called today
equals the figure computed from the folded facts, and the clock board's open cases show the board of every case
whose window reaches today."""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from contracts.registry import parse_event
from services.chassis.db import Database
from services.kpi.batch import Folder
from services.kpi.domain.clocks import board
from services.kpi.domain.equal_care import equal_care, equal_care_of
from services.kpi.domain.figures import DIMENSIONS, Dataset, Query
from services.kpi.domain.tally import BOARD, Key, Tallies
from services.kpi.domain.tally_read import table
from services.kpi.domain.views import CaseView
from services.kpi.domain.window import OPEN_END
from services.kpi.replay import open_store
from services.kpi.settings import KpiSettings
from services.kpi.store.bulk import clear_projections
from services.kpi.store.figures import figure_table
from services.kpi.store.queries import load_cases, load_open_cases
from services.kpi.store.tables import TallyRow
from services.kpi.use_cases import project_batch
from tests.integration.kpi.test_live_batch import split
from tests.unit.kpi.builders import CaseBuilder, at, call
from tests.unit.kpi.helpers import DEFS, RULES, fold

START = date(2023, 3, 1)
NOW = datetime(2023, 3, 1, 12, tzinfo=UTC)
TALLIES = Tallies(DEFS, RULES)
UNITS = ["hc-ersboda", "hc-mariehem", "bup-umea"]
PLACES = ["Umeå", "Vindeln", "Sorsele"]

case_spec = st.fixed_dictionaries({
    "day": st.integers(0, 80), "hour": st.integers(0, 23), "referral": st.integers(0, 9),
    "channel": st.sampled_from(["edi", "paper", "phone", "school_form"]), "school": st.booleans(),
    "sex": st.sampled_from(["female", "male"]), "age": st.integers(0, 19), "place": st.sampled_from(PLACES),
    "paper_delay": st.none() | st.integers(0, 6), "link": st.none() | st.integers(-5, 5),
    "assess": st.none() | st.tuples(st.integers(0, 8), st.integers(0, 23), st.booleans()),
    "level": st.none() | st.sampled_from(["primary_care", "bup", "parenting_group", "signposting"]),
    "guide": st.sampled_from(["primary_care", "bup"]), "visit": st.integers(0, 70), "chosen": st.booleans(),
    "unit": st.sampled_from(UNITS), "status": st.sampled_from([None, "attended", "no_show", "cancelled",
                                                              "referral_returned"]),
    "moved": st.booleans(), "noslots": st.booleans(), "seat": st.none() | st.tuples(
        st.integers(0, 2), st.integers(0, 40), st.booleans(), st.booleans()),
    "closed": st.none() | st.integers(0, 120), "signposted": st.none() | st.integers(0, 30),
})
call_spec = st.tuples(st.integers(0, 80), st.sampled_from(["answered", "full", "callback", "abandoned"]))


def build_case(i: int, s: dict[str, Any]) -> list[dict[str, Any]]:
    """One case's events, touching every kept figure and every kind of clock, open or settled."""
    c = CaseBuilder(f"C-{i:012d}")
    clock = at(str(START + timedelta(days=s["day"])), s["hour"])
    if s["referral"]:  # one in ten stays unknown: its referral never came
        c.referral(clock, channel=s["channel"], sex=s["sex"], age=s["age"], municipality=s["place"],
                   school=s["school"])
    if s["paper_delay"] is not None:
        c.paper(str(clock.date()), str(clock.date() + timedelta(days=s["paper_delay"])))
    if s["link"] is not None:
        linked = clock + timedelta(days=s["link"])
        c.linked(linked, effective=min(clock, linked))
    if s["assess"] is not None:
        days, hour, interview = s["assess"]
        when = at(str(clock.date() + timedelta(days=days)), hour)
        c.interview_assessed(when) if interview else c.advice(when)
    if s["signposted"] is not None:
        c.signposted(clock + timedelta(days=s["signposted"]))
    if s["level"]:
        decided = clock + timedelta(days=1)
        c.decided(decided, s["level"], guide=s["guide"])
        if s["noslots"]:
            c.no_slots(decided)
        if s["level"] in ("primary_care", "bup"):
            c.booked("A-1", decided, decided + timedelta(days=s["visit"]), level=s["level"], booked=decided,
                     unit=s["unit"], chosen=s["chosen"])
            if s["status"] == "referral_returned":
                c.appointment("cancelled", "A-1", decided + timedelta(hours=2), reason="referral_returned")
            elif s["status"]:
                c.appointment(s["status"], "A-1", decided + timedelta(days=s["visit"]))
        if s["moved"]:
            other = "bup" if s["level"] == "primary_care" else "primary_care"
            c.decided(decided + timedelta(days=2), other, supersedes=s["level"])
    if s["seat"] is not None:
        group, offset, dropped, evaluated = s["seat"]
        starts = clock.date() + timedelta(days=offset)
        c.seat(f"G-{group}", str(starts), sex=s["sex"], unit=s["unit"])
        if dropped:
            c.dropped(f"G-{group}", at(str(starts + timedelta(days=7))))
        if evaluated:
            c.evaluated(f"G-{group}", at(str(starts + timedelta(days=42))))
    if s["closed"] is not None:
        c.closed(clock + timedelta(days=s["closed"]))
    return c.events


def build_call(i: int, spec: tuple[int, str]) -> list[dict[str, Any]]:
    day, outcome = spec
    t0 = at(str(START + timedelta(days=day)), 9)
    steps = {"answered": [("CallAnswered", t0 + timedelta(minutes=4))], "full": [("QueueFull", t0)],
             "callback": [("CallbackScheduled", t0), ("CallbackMade", t0 + timedelta(days=1))],
             "abandoned": [("CallAbandoned", t0 + timedelta(minutes=1))]}[outcome]
    return call(f"call-{i}", [("CallOffered", t0), *steps])


def from_scratch(wire: list[dict[str, Any]]) -> tuple[Dataset, Counter[Key]]:
    """The facts folded once, in order, without the store; and the counts they add to the kept figures."""
    cases, calls = fold(json.loads(json.dumps(d)) for d in wire)
    counts: Counter[Key] = Counter()
    for k, f in cases.items():
        counts.update(TALLIES.case(k, f)[0])
    for k, f in calls.items():
        counts.update(TALLIES.call(k, f))
    return Dataset(cases.items(), calls.items(), DEFS), +counts


def kept(db: Database) -> Counter[Key]:
    with Session(db.engine) as s:
        rows = s.exec(select(TallyRow)).all()
    return +Counter({(r.figure, r.day, *(v or None for v in (r.municipality, r.sex, r.age_band, r.channel, r.unit,
                                                              r.unit_by, r.item)), r.counted): r.n for r in rows})


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Database:
    return open_store(KpiSettings(data_dir=tmp_path, database_url=db_url))


def clear(db: Database) -> None:
    with Session(db.engine) as s:
        clear_projections(s, TALLIES)
        s.commit()


def queries(rng: random.Random, n: int) -> list[tuple[Query, str]]:
    """Random requests: any period (months or days), grain, filter and breakdown, and any day as today."""
    out = []
    for _ in range(n):
        first = START + timedelta(days=rng.randint(-40, 120))
        last = first + timedelta(days=rng.randint(0, 150))
        if rng.random() < 0.5:  # as the dashboard asks: whole months
            first, last = first.replace(day=1), (last.replace(day=28) + timedelta(days=4)).replace(day=1) - \
                timedelta(days=1)
        today = START + timedelta(days=rng.randint(0, 260))
        figure = rng.choice(sorted(TALLIES.figures))
        by = rng.choice([None, *DIMENSIONS])
        by = rng.choice([None, "line"]) if figure == "calls" else rng.choice([None, "unit"]) \
            if figure == "deviations" else by
        out.append((Query(first, last, today, rng.choice(["month", "quarter", "year"]),
                          rng.choice([None, *PLACES]), rng.choice([None, *UNITS]), rng.choice([None, "female", "male"]),
                          by), figure))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(cases=st.lists(case_spec, min_size=1, max_size=12), calls=st.lists(call_spec, max_size=5),
       rng=st.randoms(use_true_random=False))
def test_the_kept_figures_equal_a_fold_from_scratch_after_any_delivery(
        store: Database, cases: list[dict[str, Any]], calls: list[tuple[int, str]], rng: random.Random) -> None:
    wire = [d for i, s in enumerate(cases) for d in build_case(i, s)]
    wire += [d for i, c in enumerate(calls) for d in build_call(i, c)]
    reference, counts = from_scratch(wire)

    clear(store)  # the live path: shuffled, cut into batches, some events delivered again
    for batch in split(rng, [parse_event(d) for d in wire]):
        with store.uow() as uow:
            project_batch(uow, RULES, batch, NOW)
            uow.commit()
    assert kept(store) == counts

    measures = list(DEFS.measures.values())
    with Session(store.engine) as s:
        for q, figure in queries(rng, 30):
            got = figure_table(s, TALLIES, q, figure)
            assert got.rows() == table(reference, q, figure, RULES).rows(), (q, figure)
            assert got.header() == table(reference, q, figure, RULES).header()
        for today in (START + timedelta(days=rng.randint(0, 200)) for _ in range(3)):  # the board's open cases
            assert board([CaseView(*c) for c in load_open_cases(s, BOARD, today, OPEN_END)], measures, today, 1) == \
                board([CaseView(*c) for c in load_cases(s, start=today)], measures, today, 1)
        q = queries(rng, 1)[0][0]
        for by, values in (("municipality", PLACES), ("sex", ["female", "male"])):
            assert equal_care_of(lambda name, mq: figure_table(s, TALLIES, mq, name), DEFS, q, by, values) == \
                equal_care(reference, q, by, values)

    clear(store)  # the replay's fold and batch write: the same tally
    folder = Folder(TALLIES)
    for d in rng.sample(wire, len(wire)):
        folder.add(json.dumps(d).encode())
        if rng.random() < 0.1:
            if rng.random() < 0.5:
                folder.count()  # counted as new rows before the write, as the replay's workers do
            folder.flush(store)
    folder.count()
    folder.flush(store)
    assert kept(store) == counts


def test_the_service_start_rebuilds_a_tally_kept_under_other_definitions(tmp_path: Path) -> None:
    """The runtime runs kpi's upkeep after the migrations (ServiceSpec.after_migrate): a store whose tally was
    kept under other definitions is rebuilt and marked with the service's own."""
    from services.kpi.app import build
    from services.kpi.store.tables import TallyStateRow

    rt, _ = build(KpiSettings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'kpi.db'}"))
    rt.migrate()
    with Session(rt.db.engine) as s:
        state = s.get(TallyStateRow, "tally")
        assert state is not None and state.signature == rt.deps.tallies.signature
        state.signature = "kept-under-other-definitions"
        s.add(state)
        s.commit()
    rt.migrate()
    with Session(rt.db.engine) as s:
        state = s.get(TallyStateRow, "tally")
        assert state is not None and state.signature == rt.deps.tallies.signature
    rt.db.dispose()
