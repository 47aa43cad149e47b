"""Age on the day of contact, and whether the contact centre serves that age on that day."""
from __future__ import annotations

from datetime import date
from typing import Literal

from services.intake.domain.rules import IntakeRules

AgeVerdict = Literal["served", "adult", "too_young", "before_service"]


def age_on(birth: date, day: date) -> int:
    """Whole years. Someone born 29 February turns a year older on 1 March in common years."""
    had_birthday = (day.month, day.day) >= (birth.month, birth.day)
    return day.year - birth.year - (0 if had_birthday else 1)


def age_verdict(age: int, day: date, rules: IntakeRules) -> AgeVerdict:
    """Served, signposted to adult care (18+), or outside the centre's remit on that day."""
    if age >= rules.adult_age:
        return "adult"
    band = rules.band_on(day)
    if band is None:
        return "before_service"
    if age < band.min_age:
        return "too_young"
    return "served" if age <= band.max_age else "adult"
