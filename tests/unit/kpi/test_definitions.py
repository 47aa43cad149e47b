"""Each KPI definition at its edges: 3-day clock, linked cases, paper dates, patient-chosen waits, waiting."""
from tests.unit.kpi.builders import CaseBuilder, at, call
from tests.unit.kpi.helpers import figure, row


def test_assessment_on_day_three_meets_and_day_four_does_not():
    ok, late = CaseBuilder(), CaseBuilder()
    ok.referral(at("2023-03-06", 23, 50)); ok.advice(at("2023-03-09", 23, 59))
    late.referral(at("2023-03-06", 23, 50)); late.advice(at("2023-03-10", 0, 1))
    r = row(figure(ok.events + late.events, "assessment_3d", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["completed"], r["met"], r["share_met"]) == (2, 1, 0.5)


def test_unlicensed_advice_is_not_a_medical_assessment():
    c = CaseBuilder()
    c.referral(at("2023-03-01")); c.advice(at("2023-03-01"), licensed=False)
    r = row(figure(c.events, "assessment_3d", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["completed"], r["waiting"], r["waiting_over_limit"]) == (0, 1, 1)


def test_the_interview_counts_when_no_advice_came_first():
    c = CaseBuilder()
    c.referral(at("2023-03-01")); c.interview_assessed(at("2023-03-03", 9))
    r = row(figure(c.events, "assessment_3d", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["completed"], r["met"]) == (1, 1)


def test_case_linked_from_two_referrals_keeps_the_earliest_clock():
    c = CaseBuilder()
    c.referral(at("2023-03-10"), channel="edi")
    c.linked(at("2023-03-05"), effective=at("2023-03-05"))  # a paper written earlier, linked later
    c.advice(at("2023-03-10", 15))
    r = row(figure(c.events, "assessment_3d", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["completed"], r["met"]) == (1, 0)  # 5 days from the paper's date
    channels = row(figure(c.events, "referrals_by_channel", "2023-03-01", "2023-03-31"), "2023-03")
    assert (channels["total"], channels["edi"], channels["paper"], channels["school"]) == (2, 1, 1, 1)


def test_paper_referral_clock_starts_on_the_date_written_not_on_arrival():
    c = CaseBuilder()
    c.referral(at("2023-03-01", 0), channel="paper", received=at("2023-03-06", 8))
    c.paper("2023-03-01", "2023-03-06")
    c.advice(at("2023-03-06", 10))
    r = row(figure(c.events, "assessment_3d", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["completed"], r["met"]) == (1, 0)


def test_waiting_at_period_end_counts_open_clocks_and_those_over_the_limit():
    early, fresh, done = CaseBuilder(), CaseBuilder(), CaseBuilder()
    early.referral(at("2023-03-20"))
    fresh.referral(at("2023-03-30"))
    done.referral(at("2023-03-20")); done.advice(at("2023-03-21"))
    rows = figure(early.events + fresh.events + done.events, "assessment_3d", "2023-03-01", "2023-04-30")
    march = row(rows, "2023-03")
    assert (march["waiting"], march["waiting_over_limit"], march["completed"]) == (2, 1, 1)
    assert row(rows, "2023-04")["waiting"] == 2


def test_patient_chosen_wait_is_counted_apart_and_left_out_of_the_share():
    fast, chosen, slow = CaseBuilder(), CaseBuilder(), CaseBuilder()
    for c, days, pick in ((fast, 5, False), (chosen, 20, True), (slow, 9, False)):
        c.referral(at("2023-03-01"))
        c.decided(at("2023-03-02"), "primary_care")
        c.booked(f"A-{c.case_id}", at("2023-03-02"), at(f"2023-03-{2 + days:02d}"), chosen=pick)
    r = row(figure(fast.events + chosen.events + slow.events, "first_line_visit_7d", "2023-03-01", "2023-03-31"),
            "2023-03")
    assert (r["completed"], r["patient_chosen"], r["guarantee_base"], r["met"], r["share_met"]) == (3, 1, 2, 1, 0.5)


def test_cancelled_first_visit_keeps_the_family_waiting():
    c = CaseBuilder()
    c.referral(at("2023-03-01")); c.decided(at("2023-03-02"), "bup")
    c.booked("A-1", at("2023-03-02"), at("2023-03-20"), level="bup", unit="bup-umea")
    c.appointment("cancelled", "A-1", at("2023-03-10"), unit="bup-umea")
    r = row(figure(c.events, "bup_first_visit_30d", "2023-03-01", "2023-04-30"), "2023-04")
    assert (r["completed"], r["waiting"], r["waiting_over_limit"]) == (0, 1, 1)


def test_calls_answered_on_day_zero_include_callbacks_and_queue_full_counts():
    events = (call("c1", [("CallOffered", at("2023-01-10", 9)), ("CallAnswered", at("2023-01-10", 9, 5))])
              + call("c2", [("CallOffered", at("2023-01-10", 16)), ("CallbackScheduled", at("2023-01-10", 16, 1)),
                            ("CallbackMade", at("2023-01-10", 18))])
              + call("c3", [("CallOffered", at("2023-01-11", 16)), ("CallbackMade", at("2023-01-12", 9))])
              + call("c4", [("CallOffered", at("2023-01-12", 8)), ("QueueFull", at("2023-01-12", 8))]))
    r = row(figure(events, "calls", "2023-01-01", "2023-01-31"), "2023-01")
    assert (r["offered"], r["answered"], r["answered_day0"], r["queue_full"]) == (3, 3, 2, 1)
    assert (r["share_answered"], r["share_answered_day0"]) == (1.0, 0.6667)


def test_triage_split_takes_the_first_decision_and_counts_signposting_from_advice():
    hc, bup, out = CaseBuilder(), CaseBuilder(), CaseBuilder()
    hc.referral(at("2023-03-01")); hc.decided(at("2023-03-02"), "primary_care"); hc.decided(at("2023-03-20"), "bup")
    bup.referral(at("2023-03-01")); bup.decided(at("2023-03-03"), "bup", guide="primary_care")
    out.referral(at("2023-03-01")); out.signposted(at("2023-03-01", 11))
    r = row(figure(hc.events + bup.events + out.events, "triage_split", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["decided"], r["primary_care"], r["bup"], r["signposting"], r["overridden"]) == (3, 1, 1, 1, 1)


def test_parent_groups_count_groups_children_parents_sex_booking_source_and_drop_outs():
    cases = [CaseBuilder() for _ in range(3)]
    cases[0].seat("G-1", "2023-04-12", sex="female", parents=2)
    cases[1].seat("G-1", "2023-04-12", sex="male", parents=1, booked_from="health_centre")
    cases[1].dropped("G-1", at("2023-05-02"))
    cases[2].seat("G-2", "2023-04-20", sex="female", parents=2)
    cases[2].decided(at("2023-05-15"), "bup")
    events = [e for c in cases for e in c.events]
    r = row(figure(events, "parent_groups", "2023-04-01", "2023-04-30", today="2023-08-01"), "2023-04")
    assert (r["groups"], r["children"], r["parents"], r["girls"], r["boys"]) == (2, 3, 5, 2, 1)
    assert (r["from_contact_centre"], r["from_health_centre"], r["dropped_out"], r["referred_to_bup_2m"]) == (2, 1, 1, 1)


def test_parents_evaluation_counts_each_answer_on_the_four_scales_by_course_start():
    cases = [CaseBuilder() for _ in range(3)]
    for c in cases:
        c.seat("G-1", "2023-04-12")
    cases[0].evaluated("G-1", at("2023-05-30"), satisfaction="mycket_nojd", recommend="stor_sannolikhet",
                       easier_everyday="ja_ofta")
    cases[1].evaluated("G-1", at("2023-05-31"), satisfaction="nojd", exchange="varken_eller")
    events = [e for c in cases for e in c.events] + cases[1].events[-1:]  # a redelivery counts once
    r = row(figure(events, "parent_groups", "2023-04-01", "2023-04-30", today="2023-08-01"), "2023-04")
    assert r["evaluated"] == 2
    assert (r["satisfaction_mycket_nojd"], r["satisfaction_nojd"], r["satisfaction_missnojd"]) == (1, 1, 0)
    assert (r["recommend_stor_sannolikhet"], r["recommend_sannolikt"]) == (1, 1)
    assert (r["easier_everyday_ja_ofta"], r["easier_everyday_en_del_situationer"]) == (1, 1)
    assert (r["exchange_bra_givande"], r["exchange_varken_eller"], r["exchange_daligt"]) == (1, 1, 0)


def test_filters_by_municipality_and_sex_select_children():
    a, b = CaseBuilder(), CaseBuilder()
    a.referral(at("2023-03-01"), municipality="Sorsele", sex="male"); a.advice(at("2023-03-02"))
    b.referral(at("2023-03-01"), municipality="Umeå", sex="female"); b.advice(at("2023-03-09"))
    events = a.events + b.events
    assert row(figure(events, "assessment_3d", "2023-03-01", "2023-03-31", municipality="Sorsele"),
               "2023-03")["share_met"] == 1.0
    assert row(figure(events, "assessment_3d", "2023-03-01", "2023-03-31", sex="female"), "2023-03")["share_met"] == 0.0
    by_sex = figure(events, "assessment_3d", "2023-03-01", "2023-03-31", by="sex")
    assert {r["sex"]: r["completed"] for r in by_sex} == {"female": 1, "male": 1}


def test_no_bookable_slots_are_counted_per_unit_and_week():
    c = CaseBuilder()
    c.no_slots(at("2023-03-06"), units=("hc-sorsele", "hc-mala"))
    c.no_slots(at("2023-03-08"), units=("hc-sorsele",))
    rows = figure(c.events, "no_bookable_slots", "2023-03-01", "2023-03-31")
    assert {(r["period"], r["unit"]): r["occasions"] for r in rows} == {("2023-W10", "hc-sorsele"): 2,
                                                                     ("2023-W10", "hc-mala"): 1}


def test_collaborations_count_each_child_once_per_period():
    c = CaseBuilder()
    c.collaboration(at("2023-03-02")); c.collaboration(at("2023-03-09"), question="stepwise_autism")
    assert row(figure(c.events, "collaborations", "2023-03-01", "2023-03-31"), "2023-03")["children"] == 1
    by_q = figure(c.events, "collaborations", "2023-03-01", "2023-03-31", by="question")
    assert {r["question"]: r["children"] for r in by_q} == {"stepwise_adhd_assessment": 1, "stepwise_autism": 1}
