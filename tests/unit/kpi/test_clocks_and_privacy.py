"""The live clock board (breach today or tomorrow) and the privacy rules of the KPI store and exports."""
from datetime import date

from services.kpi.domain.clocks import at_risk, board
from services.kpi.domain.exports import to_csv
from services.kpi.domain.figures import Query, compute
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import DEFS, dataset, fold


def clocks(events, today):  # type: ignore[no-untyped-def]
    return board(dataset(events).views, DEFS.measures.values(), date.fromisoformat(today), DEFS.at_risk_days)


def test_unassessed_case_shows_on_the_board_the_day_before_and_the_day_of_its_deadline():
    c = CaseBuilder()
    c.referral(at("2023-03-01", 16))  # deadline: 4 March
    assert clocks(c.events, "2023-03-02") == []
    assert [(x.clock, x.days_left) for x in clocks(c.events, "2023-03-03")] == [("assessment_3d", 1)]
    assert [x.days_left for x in clocks(c.events, "2023-03-04")] == [0]
    assert at_risk(clocks(c.events, "2023-03-05")) == []  # breached: on the board, too late to alert
    c.advice(at("2023-03-04", 9))
    assert clocks(c.events, "2023-03-04") == []


def test_visit_booked_within_the_promise_takes_the_case_off_the_board_one_beyond_it_does_not():
    inside, beyond = CaseBuilder(), CaseBuilder()
    for c, visit in ((inside, "2023-03-08"), (beyond, "2023-03-12")):
        c.referral(at("2023-02-27")); c.advice(at("2023-02-28"))
        c.decided(at("2023-03-01"), "primary_care")  # promise: 8 March
        c.booked("A-1", at("2023-03-01"), at(visit))
    assert clocks(inside.events, "2023-03-07") == []
    [clock] = clocks(beyond.events, "2023-03-07")
    assert (clock.clock, str(clock.deadline), str(clock.booked_for), clock.unit_id) == (
        "first_line_visit_7d", "2023-03-08", "2023-03-12", "hc-ersboda")


def test_closed_case_has_no_running_clock():
    c = CaseBuilder()
    c.referral(at("2023-03-01")); c.closed(at("2023-03-02"))
    assert clocks(c.events, "2023-03-04") == []


def test_kpi_facts_hold_no_patient_reference_name_or_contact():
    c = CaseBuilder()
    c.referral(at("2023-03-01"))
    cases, _ = fold(c.events)
    stored = repr(cases)
    assert "P-4Q7T2M9KZ3XW8RB6N1HC" not in stored and "patient_ref" not in stored
    assert set(cases[c.case_id]["ref"][2]) == {"channel", "source", "school", "age", "sex", "municipality"}


def test_csv_export_suppresses_child_counts_under_five_and_the_shares_built_on_them():
    cases = [CaseBuilder() for _ in range(6)]
    for i, c in enumerate(cases):
        c.referral(at("2023-03-01"), sex="female" if i < 5 else "male")
        c.advice(at("2023-03-02"))
    q = Query(date(2023, 3, 1), date(2023, 3, 31), date(2023, 3, 31), "month", by="sex")
    text = to_csv(compute(dataset([e for c in cases for e in c.events]), q, "assessment_3d"), DEFS.suppress_below)
    lines = text.splitlines()
    assert lines[0].startswith("period,sex,completed,met")
    # completed, met, base, chosen; started, cohort met, cohort base, pending, chosen, stopped; waiting, over
    assert lines[1] == "2023-03,female,5,5,5,0,5,5,5,0,0,0,0,0,1.0,1.0"
    assert lines[2] == "2023-03,male,<5,<5,<5,0,<5,<5,<5,0,0,0,0,0,,"  # the shares of one boy are not shown
