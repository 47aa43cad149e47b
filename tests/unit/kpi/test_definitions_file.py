"""The measured promises, targets and reporting rules are policy: pinned here."""
from services.kpi.rules import load_definitions


def test_definitions_file_is_pinned():
    d = load_definitions()
    assert d.version == "2026.1"
    assert {m.id: (m.limit_days, m.level, m.target) for m in d.measures.values()} == {
        "assessment_3d": (3, None, 0.9), "first_line_visit_7d": (7, "primary_care", 0.9),
        "bup_first_visit_30d": (30, "bup", 0.9), "care_guarantee_90d": (90, "bup", 1.0)}
    assert (d.suppress_below, d.at_risk_days, d.parent_group_follow_up_days) == (5, 1, 61)
    assert d.age_bands == [(0, 5), (6, 12), (13, 17), (18, 130)]
    assert d.targets == {"calls_answered": 0.9}
    assert {m.id: m.basis for m in d.measures.values()} == {
        "assessment_3d": "cohort", "first_line_visit_7d": "completed", "bup_first_visit_30d": "completed",
        "care_guarantee_90d": "completed"}
    assert d.offered_includes_queue_full is False
