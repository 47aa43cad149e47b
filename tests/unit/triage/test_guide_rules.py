"""Every rule of the shipped care-level guide, at its boundary: each test fails if its rule changes.

A rule added to the file without a case here fails `test_every_rule_in_the_file_has_boundary_cases`.
"""
from __future__ import annotations

import pytest

from services.triage.domain.guide import Facts, evaluate, propose
from services.triage.domain.scoring import RiskSignal, ScaleResult
from tests.unit.triage.helpers import policy

SYMPTOMS = ["attention", "oppositional", "conduct", "separation_anxiety", "generalised_anxiety", "low_mood"]
ALL_SCALES = [*SYMPTOMS, "externalising", "internalising", "social", "school", "relationships",
              "family_functioning", "impact", "audit_total", "dudit_total"]


def facts(age: int = 9, risk: tuple[str, str] | None = None, **scales: tuple[float | None, str]) -> Facts:
    """Scales not named are normal (T 50, raw 0); named ones get (T, band)."""
    out = {s: ScaleResult(s, "x", 0, 8, 50, "normal") for s in ALL_SCALES}
    for name, (t, band) in scales.items():
        out[name] = ScaleResult(name, "x", 0, 8, t, band)
    risks = (RiskSignal("risk_suicidal", risk[0], risk[1]),) if risk else ()
    return Facts(out, risks, age)


SIG = (65, "signal")
ELEV = (64, "elevated")

# rule id -> (level, [(facts, fires?)]) : each pair sits on the rule's boundary
CASES: dict[str, tuple[str, list[tuple[Facts, bool]]]] = {
    "URG-1": ("urgent", [(facts(risk=("suicidal_plan", "acute")), True),
                         (facts(risk=("suicidal_thoughts", "high")), False)]),
    "BUP-1": ("bup", [(facts(risk=("self_harm_recent", "high")), True),
                      (facts(risk=("suicidal_plan", "acute")), True),
                      (facts(), False)]),
    "BUP-2": ("bup", [(facts(low_mood=(75, "signal")), True), (facts(low_mood=(74, "signal")), False)]),
    "BUP-3": ("bup", [(facts(attention=SIG, conduct=SIG, low_mood=SIG, school=(None, "signal")), True),
                      (facts(attention=SIG, conduct=SIG, low_mood=SIG, school=(None, "elevated")), False),
                      (facts(attention=SIG, conduct=SIG, low_mood=ELEV, relationships=(None, "signal")), False),
                      (facts(oppositional=SIG, separation_anxiety=SIG, generalised_anxiety=SIG,
                             social=(None, "signal")), True)]),
    "BUP-4": ("bup", [(facts(school=(None, "signal"), internalising=(70, "signal")), True),
                      (facts(school=(None, "signal"), internalising=(69, "signal")), False),
                      (facts(school=(None, "elevated"), internalising=(78, "signal")), False)]),
    "PC-1": ("primary_care", [(facts(separation_anxiety=SIG), True), (facts(generalised_anxiety=SIG), True),
                              (facts(low_mood=SIG), True), (facts(low_mood=ELEV), False),
                              (facts(conduct=SIG), False)]),
    "PC-2": ("primary_care", [(facts(attention=SIG), True), (facts(attention=ELEV), False)]),
    "PC-3": ("primary_care", [(facts(age=13, externalising=SIG), True), (facts(age=12, externalising=SIG), False),
                              (facts(age=13, externalising=ELEV), False)]),
    "PC-4": ("primary_care", [(facts(age=15, audit_total=(None, "signal")), True),
                              (facts(age=15, dudit_total=(None, "signal")), True),
                              (facts(age=15), False)]),
    "PG-1": ("parenting_group", [(facts(age=12, oppositional=SIG), True), (facts(age=12, externalising=SIG), True),
                                 (facts(age=13, oppositional=SIG), False), (facts(age=12, oppositional=ELEV), False)]),
    "SP-1": ("signposting", [(facts(family_functioning=(None, "signal")), True),
                             (facts(family_functioning=(None, "elevated")), False),
                             (facts(family_functioning=(None, "signal"), conduct=SIG), False)]),
}


def test_every_rule_in_the_file_has_boundary_cases():  # type: ignore[no-untyped-def]
    assert {r.id for r in policy().guide.rules} == set(CASES)


def test_the_guide_version_is_the_one_the_cases_were_written_for():  # type: ignore[no-untyped-def]
    # changing the rules means raising the version and revisiting these cases together
    assert policy().guide.version == "2026.1"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_exactly_at_its_boundary(rule_id):  # type: ignore[no-untyped-def]
    rule = next(r for r in policy().guide.rules if r.id == rule_id)
    level, cases = CASES[rule_id]
    assert rule.level == level
    for i, (f, fires) in enumerate(cases):
        assert evaluate(rule.when, f)[0] is fires, f"{rule_id} case {i}"


def test_leon_proposes_the_highest_level_any_rule_calls_for():  # type: ignore[no-untyped-def]
    p = propose(policy().guide, facts(age=10, oppositional=SIG, low_mood=SIG))  # PG-1 and PC-1 fire
    assert p.level == "primary_care"
    assert {f.rule_id for f in p.fired} == {"PG-1", "PC-1"}
    assert p.lower_levels_rejected == (
        "signposting: not enough — PC-1 (1 scales at signal (low_mood) >= 1); "
        "PG-1 (age 10 <= 12 and oppositional band=signal)",
        "parenting_group: not enough — PC-1 (1 scales at signal (low_mood) >= 1)",
    )


def test_a_young_child_with_opposition_only_goes_to_a_parenting_group():  # type: ignore[no-untyped-def]
    p = propose(policy().guide, facts(age=7, oppositional=SIG))
    assert p.level == "parenting_group"
    assert p.lower_levels_rejected[0].startswith("signposting: not enough — PG-1")


def test_urgent_overrides_every_level_and_says_why_each_is_not_enough():  # type: ignore[no-untyped-def]
    p = propose(policy().guide, facts(risk=("suicidal_plan", "acute")))
    assert p.level == "urgent"
    assert [r.split(":")[0] for r in p.lower_levels_rejected] == ["signposting", "parenting_group", "primary_care", "bup"]
    assert "URG-1 (risk acute: suicidal_plan)" in p.lower_levels_rejected[-1]


def test_no_rule_fired_gives_the_default_level_with_the_rules_version():  # type: ignore[no-untyped-def]
    p = propose(policy().guide, facts())
    assert (p.level, p.fired, p.rules_version) == ("signposting", (), "2026.1")
