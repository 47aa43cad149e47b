"""Both readings of every clock (contact cohort and completed) and the phone denominator, at their edges."""
from dataclasses import replace
from datetime import date

from services.kpi.domain.figures import Dataset, Query, compute
from tests.unit.kpi.builders import CaseBuilder, at, call
from tests.unit.kpi.helpers import DEFS, figure, fold, row


def test_contact_on_the_last_day_of_a_month_assessed_on_the_first_of_the_next_counts_in_each_basis_its_own_month():
    c = CaseBuilder()
    c.referral(at("2023-01-31", 16)); c.advice(at("2023-02-01", 9))
    rows = figure(c.events, "assessment_3d", "2023-01-01", "2023-02-28")
    jan, feb = row(rows, "2023-01"), row(rows, "2023-02")
    # cohort: January's contact, met (day 1)
    assert (jan["started"], jan["cohort_base"], jan["cohort_met"], jan["share_met_cohort"]) == (1, 1, 1, 1.0)
    assert (feb["started"], feb["cohort_base"], feb["share_met_cohort"]) == (0, 0, None)
    # completed (genomförda): the assessment happened in February
    assert (jan["completed"], jan["share_met"]) == (0, None)
    assert (feb["completed"], feb["met"], feb["share_met"]) == (1, 1, 1.0)
    # waiting (väntande) at January's end, not at February's
    assert (jan["waiting"], feb["waiting"]) == (1, 0)


def test_cohort_share_follows_the_contacts_of_the_month_and_completed_share_the_assessments():
    met, late, pending = CaseBuilder(), CaseBuilder(), CaseBuilder()
    met.referral(at("2023-01-10")); met.advice(at("2023-01-13"))  # day 3: met
    late.referral(at("2023-01-30")); late.advice(at("2023-02-03"))  # day 4: not met, completed in February
    pending.referral(at("2023-01-30"))  # still waiting on 2023-02-01 (day 2): pending, not in the share
    events = met.events + late.events + pending.events
    jan = row(figure(events, "assessment_3d", "2023-01-01", "2023-01-31", today="2023-02-01"), "2023-01")
    assert (jan["started"], jan["cohort_met"], jan["cohort_base"], jan["cohort_pending"]) == (3, 1, 1, 2)
    assert (jan["completed"], jan["share_met"]) == (1, 1.0)
    # a month later the pending clocks have decided: late not met, the unassessed one past day 3
    jan = row(figure(events, "assessment_3d", "2023-01-01", "2023-01-31", today="2023-03-01"), "2023-01")
    assert (jan["cohort_met"], jan["cohort_base"], jan["cohort_pending"], jan["share_met_cohort"]) == (1, 3, 0, 0.3333)


def test_cohort_leaves_out_patient_chosen_waits_and_cases_closed_within_the_limit():
    chosen, closed, closed_late = CaseBuilder(), CaseBuilder(), CaseBuilder()
    for c in (chosen, closed, closed_late):
        c.referral(at("2023-03-01")); c.decided(at("2023-03-02"), "primary_care")
    chosen.booked("A-1", at("2023-03-02"), at("2023-03-25"), chosen=True)
    closed.closed(at("2023-03-05"))  # closed on day 3 of 7 without a visit
    closed_late.closed(at("2023-03-20"))  # closed on day 18: the promise was already broken
    r = row(figure(chosen.events + closed.events + closed_late.events, "first_line_visit_7d", "2023-03-01",
                   "2023-03-31", today="2023-04-30"), "2023-03")
    assert (r["started"], r["cohort_patient_chosen"], r["cohort_stopped"], r["cohort_base"], r["cohort_met"]) == \
        (3, 1, 1, 1, 0)


def test_a_queue_full_call_beside_an_answered_one_is_reported_beside_not_offered():
    events = (call("c1", [("CallOffered", at("2023-01-31", 23, 50)), ("CallAnswered", at("2023-01-31", 23, 55))])
              + call("c2", [("CallOffered", at("2023-01-31", 23, 51)), ("QueueFull", at("2023-01-31", 23, 51))]))
    r = row(figure(events, "calls", "2023-01-01", "2023-01-31"), "2023-01")
    assert (r["offered"], r["answered"], r["queue_full"], r["share_answered"], r["share_answered_day0"]) == \
        (1, 1, 1, 1.0, 1.0)


def test_the_definition_switch_keeps_the_older_phone_reading_available():
    events = (call("c1", [("CallOffered", at("2023-01-10", 9)), ("CallAnswered", at("2023-01-10", 9, 5))])
              + call("c2", [("CallOffered", at("2023-01-10", 9)), ("QueueFull", at("2023-01-10", 9))]))
    cases, calls = fold(events)
    q = Query(date(2023, 1, 1), date(2023, 1, 31), date(2023, 1, 31))
    older = compute(Dataset(cases.items(), calls.items(), replace(DEFS, offered_includes_queue_full=True)), q, "calls")
    r = row(older.rows(), "2023-01")
    assert (r["offered"], r["answered"], r["queue_full"], r["share_answered"]) == (2, 1, 1, 0.5)


def test_published_january_phone_figure_reads_as_the_region_reports_it():
    """2,000 offered calls, 1,589 answered: 79.45 % as published in the seeds, with 53 turned away by a full
    queue beside it; counted the older way (queue-full calls offered and unanswered) it would read 77.4 %."""
    events = []
    for i in range(2053):
        t = at("2023-01-16", 8) if i < 1000 else at("2023-01-17", 8)
        steps = [("CallOffered", t)]
        if i < 53:
            steps.append(("QueueFull", t))
        elif i < 53 + 1589:
            steps.append(("CallAnswered", t))
        else:
            steps.append(("CallAbandoned", t))
        events += call(f"c{i}", steps)
    r = row(figure(events, "calls", "2023-01-01", "2023-01-31"), "2023-01")
    assert (r["offered"], r["answered"], r["queue_full"], r["share_answered"]) == (2000, 1589, 53, 0.7945)
    cases, calls = fold(events)
    older = compute(Dataset(cases.items(), calls.items(), replace(DEFS, offered_includes_queue_full=True)),
                    Query(date(2023, 1, 1), date(2023, 1, 31), date(2023, 1, 31)), "calls")
    assert row(older.rows(), "2023-01")["share_answered"] == 0.774
