"""Every deviation rule in the versioned rules file: pinned, and each firing on its edge and not before."""
from datetime import date

import pytest

from services.kpi.domain.deviations import evaluate
from services.kpi.domain.views import CaseView
from services.kpi.rules import load_rules
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import RULES, fold


def tags(c: CaseBuilder, today: str = "2023-12-31") -> dict[str, dict[str, str]]:
    cases, _ = fold(c.events)
    return {d.rule_id: {**d.evidence, "unit": d.unit_id, "level": d.level}
            for d in evaluate(CaseView(c.case_id, cases[c.case_id]), RULES, date.fromisoformat(today))}


def test_rules_file_is_pinned():
    rules = load_rules()
    assert rules.version == "2024.1"
    assert [(r.id, r.kind, r.level, r.params) for r in rules.rules] == [
        ("assessment_over_3_days", "assessment_late", "contact_centre", {"limit_days": 3}),
        ("paper_arrival_over_3_days", "paper_arrival_late", "contact_centre", {"limit_days": 3}),
        ("first_line_visit_over_7_days", "first_visit_late", "primary_care", {"level": "primary_care", "limit_days": 7}),
        ("bup_first_visit_over_30_days", "first_visit_late", "bup", {"level": "bup", "limit_days": 30}),
        ("care_guarantee_90_days_exceeded", "first_visit_late", "bup", {"level": "bup", "limit_days": 90}),
        ("care_level_changed_after_booking", "care_level_changed_after_booking", "from_event", {}),
        ("clinician_override_of_guide", "clinician_override", "contact_centre", {}),
        ("referral_returned_between_levels", "returned_between_levels", "from_event",
         {"levels": ["primary_care", "bup"],
          "cancel_reasons": ["referral_returned", "returned_to_primary_care", "returned_to_bup"]}),
        ("no_bookable_slots", "no_bookable_slots", "from_event", {}),
    ]


def test_rules_file_with_an_unknown_kind_is_refused(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text('version: "x"\nrules:\n  - {id: a, kind: guesswork, level: bup, params: {}, title_sv: a, title_en: a}\n')
    with pytest.raises(ValueError, match="Unknown rule kind"):
        load_rules(bad)


def test_assessment_on_day_four_is_tagged_day_three_is_not():
    ok, late = CaseBuilder(), CaseBuilder()
    ok.referral(at("2023-03-01", 8)); ok.advice(at("2023-03-04", 20))
    late.referral(at("2023-03-01", 8)); late.advice(at("2023-03-05", 8))
    assert "assessment_over_3_days" not in tags(ok)
    assert tags(late)["assessment_over_3_days"]["days"] == "4"


def test_unassessed_case_is_tagged_once_day_four_has_come():
    c = CaseBuilder()
    c.referral(at("2023-03-01"))
    assert "assessment_over_3_days" not in tags(c, today="2023-03-04")
    assert tags(c, today="2023-03-05")["assessment_over_3_days"]["assessed"] == "not yet"


def test_paper_arriving_four_days_after_writing_is_tagged_three_is_not():
    ok, late = CaseBuilder(), CaseBuilder()
    ok.paper("2023-03-01", "2023-03-04")
    late.paper("2023-03-01", "2023-03-05")
    assert "paper_arrival_over_3_days" not in tags(ok)
    assert tags(late)["paper_arrival_over_3_days"] | {} == {"date_written": "2023-03-01", "date_arrived": "2023-03-05",
                                                          "days": "4", "unit": None, "level": "contact_centre"}


@pytest.mark.parametrize("rule, level, unit, limit", [
    ("first_line_visit_over_7_days", "primary_care", "hc-ersboda", 7),
    ("bup_first_visit_over_30_days", "bup", "bup-umea", 30),
    ("care_guarantee_90_days_exceeded", "bup", "bup-umea", 90),
])
def test_first_visit_one_day_past_the_promise_is_tagged_at_the_limit_is_not(rule, level, unit, limit):
    from datetime import timedelta

    def case(days: int, chosen: bool = False) -> CaseBuilder:
        c = CaseBuilder()
        c.decided(at("2023-01-02"), level)
        c.booked("A-1", at("2023-01-02"), at("2023-01-02") + timedelta(days=days), level=level, unit=unit, chosen=chosen)
        return c

    assert rule not in tags(case(limit))
    fired = tags(case(limit + 1))[rule]
    assert (fired["days"], fired["unit"], fired["level"]) == (str(limit + 1), unit, level)
    assert rule not in tags(case(limit + 1, chosen=True))  # the family chose the later time


def test_care_level_changed_after_booking_is_tagged_at_the_booked_unit():
    c = CaseBuilder()
    c.decided(at("2023-03-01"), "primary_care")
    c.booked("A-1", at("2023-03-01"), at("2023-03-06"), booked=at("2023-03-01", 11))
    c.decided(at("2023-03-03"), "bup", supersedes="primary_care")
    fired = tags(c)["care_level_changed_after_booking"]
    assert (fired["booked_level"], fired["new_level"], fired["unit"], fired["level"]) == (
        "primary_care", "bup", "hc-ersboda", "primary_care")
    same = CaseBuilder()
    same.decided(at("2023-03-01"), "bup"); same.booked("A-1", at("2023-03-01"), at("2023-03-06"), level="bup")
    assert "care_level_changed_after_booking" not in tags(same)


def test_clinician_override_against_the_guide_is_tagged():
    c = CaseBuilder()
    c.decided(at("2023-03-01"), "bup", guide="primary_care")
    assert tags(c)["clinician_override_of_guide"]["guide_level"] == "primary_care"
    agree = CaseBuilder()
    agree.decided(at("2023-03-01"), "bup", guide="bup")
    assert "clinician_override_of_guide" not in tags(agree)


def test_referral_returned_between_levels_is_tagged_from_decision_or_cancellation():
    moved = CaseBuilder()
    moved.decided(at("2023-03-01"), "bup"); moved.decided(at("2023-03-08"), "primary_care", supersedes="bup")
    assert tags(moved)["referral_returned_between_levels"]["from_level"] == "bup"
    returned = CaseBuilder()
    returned.booked("A-1", at("2023-03-01"), at("2023-03-20"), level="bup", unit="bup-umea")
    returned.appointment("cancelled", "A-1", at("2023-03-05"), unit="bup-umea", reason="referral_returned")
    assert tags(returned)["referral_returned_between_levels"]["unit"] == "bup-umea"
    family = CaseBuilder()
    family.booked("A-1", at("2023-03-01"), at("2023-03-20"), level="bup", unit="bup-umea")
    family.appointment("cancelled", "A-1", at("2023-03-05"), unit="bup-umea", reason="family_request")
    assert "referral_returned_between_levels" not in tags(family)


def test_no_bookable_slots_is_tagged_per_unit_at_the_decided_level():
    c = CaseBuilder()
    c.no_slots(at("2023-03-06"), units=("hc-sorsele",))
    fired = tags(c)["no_bookable_slots"]
    assert (fired["unit"], fired["level"]) == ("hc-sorsele", "primary_care")
