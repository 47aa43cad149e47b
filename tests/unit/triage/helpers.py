"""Builders for triage tests: the shipped policy, answer sets with chosen raw scores, staff."""
from __future__ import annotations

from functools import lru_cache

from services.chassis.auth import Staff
from services.triage.domain.policy import Policy, load_policy
from services.triage.settings import TriageSettings

MAIN = "demo-bcfpi-shape"
SCALE_ITEMS = {
    "attention": ["att_1", "att_2", "att_3", "att_4"],
    "oppositional": ["opp_1", "opp_2", "opp_3", "opp_4"],
    "conduct": ["con_1", "con_2", "con_3", "con_4"],
    "separation_anxiety": ["sep_1", "sep_2", "sep_3", "sep_4"],
    "generalised_anxiety": ["anx_1", "anx_2", "anx_3", "anx_4"],
    "low_mood": ["mood_1", "mood_2", "mood_3", "mood_4"],
    "social": ["soc_1", "soc_2", "soc_3"],
    "school": ["sch_1", "sch_2", "sch_3"],
    "relationships": ["rel_1", "rel_2", "rel_3"],
    "family_functioning": ["fam_1", "fam_2", "fam_3", "fam_4"],
    "impact": ["imp_1", "imp_2", "imp_3"],
}
YOUTH_ITEMS = {
    "yr_attention": ["yr_att_1", "yr_att_2", "yr_att_3"],
    "yr_low_mood": ["yr_mood_1", "yr_mood_2", "yr_mood_3"],
}


@lru_cache(maxsize=1)
def policy() -> Policy:
    s = TriageSettings()
    return load_policy(s.instrument_dirs(), s.main_instrument, s.guide_file)


def spread(items: list[str], raw: int, top: int = 2) -> dict[str, int]:
    """Answers on `items` (each 0..top) that sum to `raw`: fill from the first item."""
    out = {}
    for item in items:
        out[item] = min(top, raw)
        raw -= out[item]
    assert raw == 0, "raw score larger than the scale allows"
    return out


def main_answers(risk_self_harm: int = 0, risk_suicidal: int = 0, **raws: int) -> dict[str, int]:
    """A full set of answers to the demo interview, with the given raw score per scale (0 elsewhere)."""
    answers: dict[str, int] = {}
    for scale, items in SCALE_ITEMS.items():
        answers.update(spread(items, raws.pop(scale, 0)))
    assert not raws, f"unknown scales {raws}"
    answers["risk_self_harm"] = risk_self_harm
    answers["risk_suicidal"] = risk_suicidal
    return answers


def clinician(subject: str = "S-CLIN1", licensed: bool = True) -> Staff:
    return Staff(subject=subject, role="clinician", unit="kc", licensed=licensed)
