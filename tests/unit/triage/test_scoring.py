"""Scoring against hand-computed examples from the shipped instrument files, including norm-table boundaries."""
from __future__ import annotations

import pytest

from services.triage.domain.scoring import disagreements, functioning, risk_signals, score_form
from tests.unit.triage.helpers import MAIN, main_answers, policy, spread


def scores(answers: dict[str, int], age: int, sex: str, form: str = MAIN) -> dict[str, tuple[int, float | None, str]]:
    inst = policy().instruments.by_id[form]
    return {r.scale: (r.raw, r.t_score, r.band) for r in score_form(inst, answers, age, sex)}


@pytest.mark.parametrize(("sex", "raw", "expected"), [
    # attention, age 6-11: girls' table gives T 65 at raw 6, boys' table T 64 (boys need 7 for a signal)
    ("female", 5, (5, 62, "elevated")),
    ("female", 6, (6, 65, "signal")),
    ("male", 6, (6, 64, "elevated")),
    ("male", 7, (7, 68, "signal")),
    ("unknown", 6, (6, 65, "signal")),  # other/unknown sex share the girls' table in the demo
])
def test_attention_t_score_and_band_by_sex_at_the_signal_boundary(sex, raw, expected):  # type: ignore[no-untyped-def]
    assert scores(main_answers(attention=raw), age=9, sex=sex)["attention"] == expected


@pytest.mark.parametrize(("age", "expected"), [
    (11, (4, 67, "signal")),    # conduct, girls 0-11: raw 4 -> T 67
    (12, (4, 65, "signal")),    # conduct, 12-17 table: raw 4 -> T 65, still a signal
    (5, (3, 63, "elevated")),   # raw 3 in 0-11 -> T 63: elevated, below 65
])
def test_conduct_norm_table_changes_at_the_age_band_boundary(age, expected):  # type: ignore[no-untyped-def]
    raw = expected[0]
    assert scores(main_answers(conduct=raw), age=age, sex="female")["conduct"] == expected


def test_low_mood_teenage_girls_have_their_own_table():  # type: ignore[no-untyped-def]
    assert scores(main_answers(low_mood=6), age=15, sex="female")["low_mood"] == (6, 64, "elevated")
    assert scores(main_answers(low_mood=6), age=15, sex="male")["low_mood"] == (6, 65, "signal")
    assert scores(main_answers(low_mood=8), age=15, sex="female")["low_mood"] == (8, 75, "signal")


def test_composites_sum_their_scales_and_read_the_composite_table():  # type: ignore[no-untyped-def]
    # externalising = attention 6 + oppositional 5 + conduct 4 = 15 -> row [15, 16] -> T 65
    s = scores(main_answers(attention=6, oppositional=5, conduct=4), age=9, sex="female")
    assert s["externalising"] == (15, 65, "signal")
    # one point less: 14 -> row [13, 14] -> T 62
    s = scores(main_answers(attention=6, oppositional=4, conduct=4), age=9, sex="female")
    assert s["externalising"] == (14, 62, "elevated")
    # internalising = 2 + 3 + 4 = 9 -> row [8, 10] -> T 54
    s = scores(main_answers(separation_anxiety=2, generalised_anxiety=3, low_mood=4), age=9, sex="female")
    assert s["internalising"] == (9, 54, "normal")


def test_functioning_uses_raw_cut_offs_and_is_reported_by_domain():  # type: ignore[no-untyped-def]
    inst = policy().instruments.by_id[MAIN]
    results = score_form(inst, main_answers(social=1, school=2, relationships=4, family_functioning=5, impact=3),
                         9, "male")
    by = {r.scale: r.band for r in results}
    assert by["social"] == "normal" and by["school"] == "elevated" and by["relationships"] == "signal"
    assert by["family_functioning"] == "signal" and by["impact"] == "elevated"
    assert functioning(results) == {"social": 1.0, "school": 2.0, "relationships": 4.0,
                                    "family_functioning": 5.0, "impact": 3.0}


def audit_answers(first_eight: int, item9: int = 0, item10: int = 0) -> dict[str, int]:
    ans = spread([f"audit_{i}" for i in range(1, 9)], first_eight, top=4)
    return {**ans, "audit_9": item9, "audit_10": item10}


def test_audit_last_two_items_score_0_2_4_and_cut_off_differs_by_sex():  # type: ignore[no-untyped-def]
    # 2 points on items 1-8, answer 1 ("yes, not in the last year") on item 9 = 2 points -> total 4
    assert scores(audit_answers(2, item9=1), 15, "female", "audit")["audit_total"] == (4, None, "normal")
    # answer 2 on item 10 = 4 points: 2 + 4 = 6 -> a signal for a girl, not for a boy (cut-off 8)
    assert scores(audit_answers(2, item10=2), 15, "female", "audit")["audit_total"] == (6, None, "signal")
    assert scores(audit_answers(2, item10=2), 15, "male", "audit")["audit_total"] == (6, None, "normal")
    assert scores(audit_answers(4, item10=2), 15, "male", "audit")["audit_total"] == (8, None, "signal")


def test_dudit_cut_offs_are_two_for_girls_and_six_for_boys():  # type: ignore[no-untyped-def]
    def dudit(raw: int) -> dict[str, int]:
        return {**spread([f"dudit_{i}" for i in range(1, 10)], raw, top=4), "dudit_10": 0, "dudit_11": 0}

    assert scores(dudit(1), 16, "female", "dudit")["dudit_total"] == (1, None, "normal")
    assert scores(dudit(2), 16, "female", "dudit")["dudit_total"] == (2, None, "signal")
    assert scores(dudit(5), 16, "male", "dudit")["dudit_total"] == (5, None, "normal")
    assert scores(dudit(6), 16, "male", "dudit")["dudit_total"] == (6, None, "signal")


def test_audit_and_dudit_apply_only_to_young_people_over_13():  # type: ignore[no-untyped-def]
    forms = lambda age: [f.id for f in policy().instruments.forms_for(age)]  # noqa: E731
    assert "audit" not in forms(13) and "dudit" not in forms(13)
    assert {"audit", "dudit"} <= set(forms(14))


@pytest.mark.parametrize(("answer", "expected"), [
    (1, []),
    (2, [("suicidal_thoughts", "high")]),
    (3, [("suicidal_plan", "acute")]),
])
def test_risk_items_signal_by_the_most_severe_rule_reached(answer, expected):  # type: ignore[no-untyped-def]
    inst = policy().instruments.by_id[MAIN]
    got = risk_signals(inst, {"risk_suicidal": answer})
    assert [(r.flag, r.severity) for r in got] == expected


def youth(low_mood: int, attention: int = 0) -> dict[str, int]:
    inst = policy().instruments.by_id["youth-self-report"]
    answers = {item: 0 for item in inst.items()}
    answers.update(spread(["yr_mood_1", "yr_mood_2", "yr_mood_3"], low_mood))
    answers.update(spread(["yr_att_1", "yr_att_2", "yr_att_3"], attention))
    return answers


@pytest.mark.parametrize(("youth_raw", "guardian_raw", "flagged"), [
    (5, 2, True),    # 5/6 = 0.83 vs 2/8 = 0.25: difference 0.58 >= 0.5
    (4, 2, False),   # 4/6 = 0.67 vs 0.25: 0.42
    (3, 0, True),    # exactly 0.5: flagged (the threshold is inclusive)
    (0, 4, True),    # the guardian sees more than the young person: 0 vs 0.5
    (0, 3, False),   # 0 vs 0.375
])
def test_youth_self_report_disagreement_is_flagged_on_the_guardian_scale(youth_raw, guardian_raw, flagged):  # type: ignore[no-untyped-def]
    yr = policy().instruments.by_id["youth-self-report"]
    main = policy().instruments.by_id[MAIN]
    own = score_form(yr, youth(youth_raw), 14, "female")
    other = score_form(main, main_answers(low_mood=guardian_raw), 14, "female")
    assert ("low_mood" in disagreements(yr, own, other)) is flagged
