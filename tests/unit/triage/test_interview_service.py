"""The interview and the decision at the service layer, on SQLite and PostgreSQL: state and outbox together."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from contracts.intake import CaseClosed, CaseClosedPayload, InterviewScheduled, InterviewScheduledPayload
from services.chassis.refusal import Refused
from services.triage.domain.interview import AnswerIn
from services.triage.domain.policy import load_policy
from services.triage.settings import DATA
from services.triage.store import Interview, InterviewAnswer, TriageCase, waiting_cases
from services.triage.use_cases import decisions, interviews
from tests.unit.triage.helpers import MAIN, clinician, main_answers
from tests.unit.triage.service import T0, build_triage, outbox, seed_case


@pytest.fixture
def svc(db_url, tmp_path):  # type: ignore[no-untyped-def]
    rt, app = build_triage(db_url, tmp_path)
    yield rt, app.state.deps.policy
    rt.db.dispose()


def run(rt, fn, *args, **kw):  # type: ignore[no-untyped-def]
    with rt.db.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
    return out


def as_answers(answers: dict[str, int], form: str = MAIN) -> list[AnswerIn]:
    return [AnswerIn(form, item, value) for item, value in answers.items()]


def codes(exc: pytest.ExceptionInfo[Refused]) -> list[tuple[str, str]]:
    return [(r.field, r.code) for r in exc.value.refusals]


def test_partial_saves_are_kept_and_another_clinician_resumes_and_completes(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=9, sex="female")
    anna, bo = clinician("S-ANNA"), clinician("S-BO")
    first = run(rt, interviews.start, policy, case_id, anna, T0)
    answers = main_answers(attention=6, low_mood=4, school=4)
    items = list(answers)
    run(rt, interviews.save_answers, policy, first.interview_id, as_answers(dict.fromkeys(items[:20], 0)), anna, T0)
    # the call dropped; Bo opens the same case and gets the same interview with Anna's answers
    resumed = run(rt, interviews.start, policy, case_id, bo, T0)
    assert resumed.interview_id == first.interview_id
    with Session(rt.db.engine) as s:
        assert s.get(InterviewAnswer, (first.interview_id, MAIN, items[0])).saved_by == "S-ANNA"  # type: ignore[union-attr]
    run(rt, interviews.save_answers, policy, first.interview_id, as_answers(answers), bo, T0)
    run(rt, interviews.complete, policy, first.interview_id, bo, T0)
    done = outbox(rt, case_id, "InterviewCompleted")[0].payload
    assert (done.by_staff_ref, done.instrument_id, done.instrument_version) == ("S-BO", MAIN, "2026.1")
    scores = {s.scale: (s.raw, s.t_score, s.band) for s in done.scores}
    assert scores["attention"] == (6, 65, "signal") and scores["low_mood"] == (4, 65, "signal")
    assert done.functioning["school"] == 4.0
    marker = outbox(rt, case_id, "InterviewAssessmentRecorded")[0].payload
    assert (marker.assessed_at, marker.kind, marker.licensed) == (T0, "interview", True)


def test_an_item_sent_twice_in_one_save_keeps_the_last_value_and_a_later_save_corrects_it(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=9, sex="female")
    anna, bo = clinician("S-ANNA"), clinician("S-BO")
    iv = run(rt, interviews.start, policy, case_id, anna, T0)
    item = next(iter(main_answers()))
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, item, 0), AnswerIn(MAIN, item, 2)], anna, T0)
    with Session(rt.db.engine) as s:
        assert s.get(InterviewAnswer, (iv.interview_id, MAIN, item)).value == 2  # type: ignore[union-attr]
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, item, 1)], bo, T0 + timedelta(minutes=3))
    with Session(rt.db.engine) as s:
        row = s.get(InterviewAnswer, (iv.interview_id, MAIN, item))
        assert row is not None and (row.value, row.saved_by) == (1, "S-BO")


def test_a_risk_answer_escalates_at_once_and_only_once(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=15, sex="male")
    calm = seed_case(rt, age=10)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    flags = run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "risk_suicidal", 3)],
                clinician(), T0)
    assert flags == ["suicidal_plan"]
    [esc] = outbox(rt, case_id, "RiskEscalated")
    assert (esc.payload.severity, esc.payload.items, esc.payload.interview_id) == ("acute", ["suicidal_plan"],
                                                                                   iv.interview_id)
    assert outbox(rt, case_id, "InterviewCompleted") == []  # raised mid-interview
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "risk_suicidal", 3)], clinician(), T0)
    assert len(outbox(rt, case_id, "RiskEscalated")) == 1
    with Session(rt.db.engine) as s:
        assert [c.case_id for c in waiting_cases(s)][:1] == [case_id] and calm in [c.case_id for c in waiting_cases(s)]


def test_bad_answers_are_refused_field_by_field_and_nothing_of_the_request_is_saved(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "att_1", 1)], clinician(), T0)
    bad = [AnswerIn(MAIN, "att_1", 2), AnswerIn(MAIN, "att_2", 7), AnswerIn(MAIN, "no_such", 1),
           AnswerIn("audit", "audit_1", 1)]  # AUDIT is not part of a 9-year-old's interview
    with pytest.raises(Refused) as exc:
        run(rt, interviews.save_answers, policy, iv.interview_id, bad, clinician(), T0)
    assert codes(exc) == [("answers.1.value", "outside_scale"), ("answers.2.item", "unknown_item"),
                          ("answers.3.form", "unknown_form")]
    with Session(rt.db.engine) as s:
        assert s.get(InterviewAnswer, (iv.interview_id, MAIN, "att_1")).value == 1  # type: ignore[union-attr]


def test_completion_needs_every_main_item_and_happens_once(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=14)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, as_answers(main_answers()), clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn("audit", "audit_1", 1)], clinician(), T0)
    with pytest.raises(Refused) as exc:  # a supplementary form is all or nothing
        run(rt, interviews.complete, policy, iv.interview_id, clinician(), T0)
    assert ("answers.audit.audit_2", "unanswered") in codes(exc)
    rest = {f"audit_{i}": 0 for i in range(2, 11)}
    run(rt, interviews.save_answers, policy, iv.interview_id, as_answers(rest, "audit"), clinician(), T0)
    with pytest.raises(Refused) as exc:
        run(rt, interviews.complete, policy, iv.interview_id, clinician(licensed=False), T0)
    assert codes(exc) == [("staff", "not_licensed")]
    run(rt, interviews.complete, policy, iv.interview_id, clinician(), T0)
    with pytest.raises(Refused) as exc:
        run(rt, interviews.complete, policy, iv.interview_id, clinician(), T0)
    assert codes(exc) == [("interview_id", "already_completed")]
    with pytest.raises(Refused):
        run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "att_1", 1)], clinician(), T0)
    [done] = outbox(rt, case_id, "InterviewCompleted")
    assert done.payload.supplementary_forms == ["audit@2026.1"]
    assert {"audit_total"} <= {s.scale for s in done.payload.scores}


def complete_interview(rt, policy, case_id: str, answers: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, as_answers(answers), clinician(), T0)
    run(rt, interviews.complete, policy, iv.interview_id, clinician(), T0)


def test_deciding_without_a_completed_interview_is_refused(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt)
    with pytest.raises(Refused) as exc:
        run(rt, decisions.decide, policy, case_id, clinician(), T0)
    assert codes(exc) == [("case_id", "no_interview")]
    run(rt, interviews.start, policy, case_id, clinician(), T0)
    with pytest.raises(Refused):
        run(rt, decisions.decide, policy, case_id, clinician(), T0)


def test_decision_records_the_guide_and_an_override_needs_a_reason_and_is_flagged(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=10)
    complete_interview(rt, policy, case_id, main_answers(low_mood=4))  # low mood T 65: PC-1
    run(rt, decisions.decide, policy, case_id, clinician(), T0)
    with pytest.raises(Refused) as exc:
        run(rt, decisions.decide, policy, case_id, clinician(), T0, "bup", "  ")
    assert codes(exc) == [("reason", "reason_required")]
    for personal in ("Mother's number 070-123 45 67", "Child 201001011234 known", "mail anna@example.se"):
        with pytest.raises(Refused) as exc:  # the reason travels on the bus
            run(rt, decisions.decide, policy, case_id, clinician(), T0, "bup", personal)
        assert codes(exc) == [("reason", "personal_details")]
    run(rt, decisions.decide, policy, case_id, clinician(), T0, "bup", "Sibling already in BUP care")
    first, second = (e.payload for e in outbox(rt, case_id, "CareLevelDecided"))
    assert (first.level, first.guide_level, first.overridden, first.rules_version) == (
        "primary_care", "primary_care", False, "2026.1")
    assert [(r.rule_id, r.because) for r in first.reasons] == [("PC-1", "1 scales at signal (low_mood) >= 1")]
    assert first.lower_levels_rejected == ["signposting: not enough — PC-1 (1 scales at signal (low_mood) >= 1)",
                                           "parenting_group: not enough — PC-1 (1 scales at signal (low_mood) >= 1)"]
    assert (second.level, second.guide_level, second.overridden) == ("bup", "primary_care", True)
    assert (second.override_reason, second.supersedes_level) == ("Sibling already in BUP care", "primary_care")
    with Session(rt.db.engine) as s:
        assert s.get(TriageCase, case_id).level == "bup"  # type: ignore[union-attr]


def test_collaboration_between_levels_is_published_with_coded_question_and_units(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt)
    with pytest.raises(Refused) as exc:
        run(rt, decisions.initiate_collaboration, policy, case_id, clinician(), T0, question="why",
            intervention="joint_assessment", health_centre_unit="bup-umea", bup_unit="bup-umea")
    assert codes(exc) == [("question", "unknown_code"), ("health_centre_unit", "not_a_health_centre")]
    run(rt, decisions.initiate_collaboration, policy, case_id, clinician("S-COORD"), T0,
        question="stepwise_adhd_assessment", intervention="joint_assessment", health_centre_unit="hc-ersboda",
        bup_unit="bup-umea")
    [ev] = outbox(rt, case_id, "CollaborationInitiated")
    assert (ev.payload.question, ev.payload.health_centre_unit, ev.payload.bup_unit, ev.payload.by_staff_ref) == (
        "stepwise_adhd_assessment", "hc-ersboda", "bup-umea", "S-COORD")


def test_an_interview_is_refused_for_an_age_the_instrument_has_no_norms_for(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=18)
    with pytest.raises(Refused) as exc:
        run(rt, interviews.start, policy, case_id, clinician(), T0)
    assert codes(exc) == [("case_id", "age_outside_instrument")]


def test_cases_signposted_out_by_intake_do_not_wait_for_an_interview(svc):  # type: ignore[no-untyped-def]
    rt, _ = svc
    adult = seed_case(rt, age=17, hint="adult_care")
    child = seed_case(rt, age=8)
    with Session(rt.db.engine) as s:
        waiting = [c.case_id for c in waiting_cases(s)]
    assert child in waiting and adult not in waiting


def test_waiting_list_puts_risk_first_then_booked_interview_time_then_arrival(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    plain, late_booking, early_booking, risky, closed = (seed_case(rt) for _ in range(5))

    def apply(ev):  # type: ignore[no-untyped-def]
        rt.consumers.deliver("triage.cases", ev)

    for case_id, hours in ((late_booking, 5), (early_booking, 2)):
        apply(InterviewScheduled.new(case_id=case_id, occurred_at=T0, payload=InterviewScheduledPayload(
            by_role="call_handler", by_staff_ref="S-CALL", licensed=False,
            scheduled_for=T0 + timedelta(hours=hours))))
    apply(CaseClosed.new(case_id=closed, occurred_at=T0, payload=CaseClosedPayload(reason="withdrawn")))
    iv = run(rt, interviews.start, policy, risky, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "risk_self_harm", 2)], clinician(), T0)
    with Session(rt.db.engine) as s:
        order = [c.case_id for c in waiting_cases(s)]
    mine = [c for c in order if c in {plain, late_booking, early_booking, risky, closed}]
    assert mine == [risky, early_booking, late_booking, plain]


def test_a_decision_where_no_rule_fired_gives_the_guides_default_reason(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=8)
    complete_interview(rt, policy, case_id, main_answers(attention=3))
    run(rt, decisions.decide, policy, case_id, clinician(), T0)
    [ev] = outbox(rt, case_id, "CareLevelDecided")
    assert ev.payload.level == "signposting" and ev.payload.lower_levels_rejected == []
    assert [(r.rule_id, r.level) for r in ev.payload.reasons] == [("DEFAULT", "signposting")]
    assert ev.payload.reasons[0].because == "No need of care shown by the interview: signposting"


def test_an_interview_open_across_an_instrument_update_is_scored_with_the_loaded_version(svc, tmp_path):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=9)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, as_answers(main_answers()), clinician(), T0)
    newer = tmp_path / "newer"
    newer.mkdir()
    text = (DATA / "instruments" / f"{MAIN}.yaml").read_text(encoding="utf-8")
    (newer / f"{MAIN}.yaml").write_text(text.replace('version: "2026.1"', 'version: "2026.2"'), encoding="utf-8")
    updated = load_policy([DATA / "instruments", newer], MAIN, DATA / "care_level_guide.yaml")
    run(rt, interviews.complete, updated, iv.interview_id, clinician(), T0)
    [done] = outbox(rt, case_id, "InterviewCompleted")
    assert done.payload.instrument_version == "2026.2"


def test_two_clinicians_completing_at_once_give_one_completion(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=9)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, as_answers(main_answers()), clinician(), T0)
    with rt.db.uow() as late:
        seen_open = late.session.get(Interview, iv.interview_id)  # Bo's request read it while it was open
        assert seen_open is not None and seen_open.completed_at is None
        run(rt, interviews.complete, policy, iv.interview_id, clinician("S-ANNA"), T0)  # Anna completes first
        with pytest.raises(Refused) as exc:
            interviews.complete(late, policy, iv.interview_id, clinician("S-BO"), T0)
    assert codes(exc) == [("interview_id", "already_completed")]
    assert [e.payload.by_staff_ref for e in outbox(rt, case_id, "InterviewCompleted")] == ["S-ANNA"]


def test_the_young_persons_own_risk_answer_escalates_again_when_more_severe(svc):  # type: ignore[no-untyped-def]
    rt, policy = svc
    case_id = seed_case(rt, age=14)
    iv = run(rt, interviews.start, policy, case_id, clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id, [AnswerIn(MAIN, "risk_suicidal", 2)], clinician(), T0)
    run(rt, interviews.save_answers, policy, iv.interview_id,
        [AnswerIn("youth-self-report", "yr_risk_suicidal", 3)], clinician(), T0)
    assert [(e.payload.severity, e.payload.items) for e in outbox(rt, case_id, "RiskEscalated")] == [
        ("high", ["suicidal_thoughts"]), ("acute", ["suicidal_plan"])]
    with Session(rt.db.engine) as s:
        assert s.get(TriageCase, case_id).risk_severity == "acute"  # type: ignore[union-attr]
