"""Who the child is for the figures: age and sex from the identity number, residence, and why to signpost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.chassis.refusal import Refusal, Refused
from services.intake.domain.age import age_on, age_verdict
from services.intake.domain.identity import Identity
from services.intake.domain.rules import IntakeRules

OUTSIDE = "outside"
_OUTSIDE_WORDS = {"outside", "utanför", "utanför länet", "utomläns"}

TriageHint = Literal["none", "adult_care", "out_of_county"]


def resolve_municipality(raw: str, rules: IntakeRules, field: str = "child.municipality") -> str:
    """A name or code of the county's 15 municipalities, or 'outside' for any other Swedish municipality."""
    text = raw.strip()
    if text.isdigit() and len(text) == 4:
        return rules.municipality_by_code(text) or OUTSIDE
    if text.lower() in _OUTSIDE_WORDS:
        return OUTSIDE
    for m in rules.municipalities:
        if m.name.lower() == text.lower():
            return m.name
    names = ", ".join(m.name for m in rules.municipalities)
    raise Refused(Refusal(field, "unknown_municipality",
                          f"Okänd kommun. Ange en av länets kommuner ({names}), en kommunkod, eller 'utanför länet'.",
                          f"Unknown municipality. Give one of the county's ({names}), a municipality code, "
                          "or 'outside'."))


@dataclass(frozen=True)
class Child:
    age_years: int
    sex: Literal["female", "male"]
    municipality: str
    triage_hint: TriageHint


def assess_child(identity: Identity, municipality: str, contact_day: date, rules: IntakeRules,
                 field: str = "child") -> Child:
    """Age by the day of contact; 18+ and out-of-county are signposted, outside the remit is refused."""
    age = age_on(identity.birth_date, contact_day)
    verdict = age_verdict(age, contact_day, rules)
    if verdict == "before_service":
        first = rules.age_bands[0].starts
        raise Refused(Refusal("contact_date", "before_service", f"Kontaktcentret fanns inte före {first}.",
                              f"The contact centre did not exist before {first}."))
    if verdict == "too_young":
        band = rules.band_on(contact_day)
        assert band is not None
        raise Refused(Refusal(f"{field}.identity_number", "age_not_served",
                              f"Barnet var {age} år på kontaktdagen {contact_day}; kontaktcentret tog då emot "
                              f"barn {band.min_age}–{band.max_age} år.",
                              f"The child was {age} on the day of contact {contact_day}; the contact centre then "
                              f"served children aged {band.min_age}–{band.max_age}."))
    hint: TriageHint = "none"
    if verdict == "adult":
        hint = "adult_care"
    elif municipality == OUTSIDE:
        hint = "out_of_county"
    return Child(age_years=age, sex=identity.sex, municipality=municipality, triage_hint=hint)
