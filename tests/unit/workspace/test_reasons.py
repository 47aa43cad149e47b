"""The guide's reasons read as sentences: every rule of the shipped guide, fired or not, in Swedish and English."""
from __future__ import annotations

import re

import pytest

from services.triage.domain.guide import Facts, evaluate
from services.triage.domain.scoring import RiskSignal, ScaleResult
from services.workspace.reasons import sentence
from tests.unit.triage.helpers import policy

CODE = re.compile(r"[a-z]+_[a-z_]+|>=|<=|band=|T=|raw=|scales at \w+ \(")


def titles(lang: str) -> dict[str, str]:
    return {sc.id: getattr(sc.title, lang) for inst in policy().instruments.by_id.values() for sc in inst.scales}


def facts(band: str, t: float, age: int, risks: tuple[RiskSignal, ...]) -> Facts:
    scales = {sid: ScaleResult(sid, "symptom", 8, 8, t, band) for sid in titles("sv")}
    return Facts(scales, risks, age)


ACUTE = (RiskSignal("risk_self_harm", "self_harm_plan", "acute"), RiskSignal("risk_suicidal", "suicidal_plan", "acute"))
SITUATIONS = {"all at signal": facts("signal", 80, 14, ACUTE), "all normal": facts("normal", 40, 9, ()),
              "young, elevated": facts("elevated", 62, 4, ())}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_every_rule_of_the_guide_reads_without_codes(situation: str, lang: str) -> None:
    names = titles(lang)
    for rule in policy().guide.rules:
        _, because = evaluate(rule.when, SITUATIONS[situation])
        said = sentence(because, lang, lambda s: names.get(s, s))
        assert not CODE.search(said), (rule.id, because, said)


def test_scales_at_signal_are_named_and_counted_in_words() -> None:
    names = {"generalised_anxiety": "Generell oro", "low_mood": "Nedstämdhet", "separation_anxiety": "Separationsoro"}
    because = "3 scales at signal (separation_anxiety, generalised_anxiety, low_mood) >= 1"
    assert sentence(because, "sv", names.__getitem__) == \
        "3 skalor på signalnivå: Separationsoro, Generell oro och Nedstämdhet (minst 1 behövs)"
    assert sentence("1 scales at signal (low_mood) >= 1", "en", {"low_mood": "Low mood"}.__getitem__) == \
        "1 scale at signal level: Low mood (at least 1 needed)"


def test_a_risk_and_a_t_score_read_as_what_was_found() -> None:
    assert sentence("risk acute: self_harm_plan, suicidal_plan", "sv", str) == \
        "risksignal (akut): självskada med plan eller avsikt och suicidtankar med plan eller avsikt"
    assert sentence("low_mood T=76 >= 75 and age 14 >= 13", "en", {"low_mood": "Low mood"}.get) == \
        "Low mood: T score 76 (limit 75) and age 14 (13 or older)"
