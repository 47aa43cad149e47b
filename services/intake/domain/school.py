"""The school form's rules: consent before anything is sent, and the only thing a school sees (a status)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from services.intake.domain.problems import Invalid, problem

SchoolStatus = Literal["received", "assessed", "passed_on", "closed"]

NO_CONSENT_SV = ("Remissen skickas inte utan vårdnadshavarnas samtycke. Det här kan ni göra i stället: be "
                 "vårdnadshavarna ringa Kontaktcenter barn och unga psykisk hälsa (1177, välj 2) själva; en ungdom kan "
                 "själv ringa; ta upp barnet i skolans elevhälsoteam; eller, om ni är oroliga för att barnet far illa, "
                 "gör en orosanmälan till socialtjänsten (den kräver inget samtycke). Vid akut fara: ring 112.")
NO_CONSENT_EN = ("The referral is not sent without the guardians' consent. What you can do instead: ask the guardians "
                 "to call the contact centre for child and youth mental health themselves (1177, option 2); a young "
                 "person may call on their own; take the child up in the school's student health team; or, if you "
                 "fear the child is harmed, report your concern to social services (that needs no consent). In acute "
                 "danger: call 112.")


def check_consent(given: bool, by: str | None, how: str | None, on: date | None, today: date) -> None:
    """No consent, or consent without who/how/when: nothing is sent, and the school is told why and what else to do."""
    if not given:
        raise Invalid([problem("consent.given", NO_CONSENT_SV, NO_CONSENT_EN, "no_consent")])
    problems = []
    if by is None:
        problems.append(problem("consent.by", "Ange vem som gav samtycket.", "Say who gave the consent.", "missing"))
    if how is None:
        problems.append(problem("consent.how", "Ange hur samtycket gavs.", "Say how the consent was given.",
                                "missing"))
    if on is None:
        problems.append(problem("consent.on", "Ange när samtycket gavs.", "Say when the consent was given.",
                                "missing"))
    elif on > today:
        problems.append(problem("consent.on", "Datumet för samtycket ligger i framtiden.",
                                "The consent date is in the future.", "future"))
    elif (today - on).days > 90:
        problems.append(problem("consent.on", "Samtycket är äldre än 90 dagar: fråga vårdnadshavarna igen.",
                                "The consent is older than 90 days: ask the guardians again.", "consent_stale"))
    if problems:
        raise Invalid(problems)


def status_of(case_status: str, assessed_at: datetime | None, passed_on_at: datetime | None) -> SchoolStatus:
    """What the school may know: where the referral is, never what was found or decided."""
    if case_status == "closed":
        return "closed"
    if passed_on_at is not None:
        return "passed_on"
    if assessed_at is not None:
        return "assessed"
    return "received"
