"""The school form's rules: who may send, consent before anything is sent, and the only thing a school sees."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import Municipality
from services.chassis.refusal import Refusal, Refused

SchoolStatus = Literal["received", "assessed", "passed_on", "returned", "closed"]

NO_CONSENT_SV = ("Remissen skickas inte utan vårdnadshavarnas samtycke. Det här kan ni göra i stället: be "
                 "vårdnadshavarna ringa Kontaktcenter barn och unga psykisk hälsa (1177, välj 2) själva; en ungdom kan "
                 "själv ringa; ta upp barnet i skolans elevhälsoteam; eller, om ni är oroliga för att barnet far illa, "
                 "gör en orosanmälan till socialtjänsten (den kräver inget samtycke). Vid akut fara: ring 112.")
NO_CONSENT_EN = ("The referral is not sent without the guardians' consent. What you can do instead: ask the guardians "
                 "to call the contact centre for child and youth mental health themselves (1177, option 2); a young "
                 "person may call on their own; take the child up in the school's student health team; or, if you "
                 "fear the child is harmed, report your concern to social services (that needs no consent). In acute "
                 "danger: call 112.")
UNKNOWN_SCHOOL = Refusal("school", "unknown_school", "Skolan finns inte i listan över skolor som får skicka remisser.",
                         "The school is not on the list of schools that may send referrals.", 403)


class School(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str = Field(pattern=r"^sk-[a-z0-9-]{2,56}$")
    name: str = Field(min_length=2, max_length=80)
    municipality: Municipality


class SchoolList(BaseModel):
    """The schools whose student health may use the digital referral form (reference data, no personal data)."""

    model_config = ConfigDict(frozen=True)
    version: str
    schools: tuple[School, ...] = Field(min_length=1)

    def by_id(self, school_id: str | None) -> School | None:
        return next((s for s in self.schools if s.id == school_id), None)


def check_consent(given: bool, by: str | None, how: str | None, on: date | None, today: date) -> None:
    """No consent, or consent without who/how/when: nothing is sent, and the school is told why and what else to do."""
    if not given:
        raise Refused(Refusal("consent.given", "no_consent", NO_CONSENT_SV, NO_CONSENT_EN))
    refusals = []
    if by is None:
        refusals.append(Refusal("consent.by", "missing", "Ange vem som gav samtycket.", "Say who gave the consent."))
    if how is None:
        refusals.append(Refusal("consent.how", "missing", "Ange hur samtycket gavs.", "Say how the consent was given."))
    if on is None:
        refusals.append(Refusal("consent.on", "missing", "Ange när samtycket gavs.", "Say when the consent was given."))
    elif on > today:
        refusals.append(Refusal("consent.on", "future", "Datumet för samtycket ligger i framtiden.",
                                "The consent date is in the future."))
    elif (today - on).days > 90:
        refusals.append(Refusal("consent.on", "consent_stale",
                                "Samtycket är äldre än 90 dagar: fråga vårdnadshavarna igen.",
                                "The consent is older than 90 days: ask the guardians again."))
    if refusals:
        raise Refused(*refusals)


def status_of(submitted_at: datetime, case_status: str, assessed_at: datetime | None,
              passed_on_at: datetime | None, closed_reason: str | None = None) -> SchoolStatus:
    """What the school may know of ITS referral: where it is, never what was found or decided. A referral linked
    to a case already open counts only what happened on or after its own arrival: an assessment the case had from
    a guardian's call before it is no news of this referral. A returned referral is the school's to act on (the
    advice went to the sender by e-mail)."""
    if case_status == "closed":  # a referral is linked only to an open case, so the closing came after it
        return "returned" if closed_reason == "returned" else "closed"
    if passed_on_at is not None and passed_on_at >= submitted_at:
        return "passed_on"
    if assessed_at is not None and assessed_at >= submitted_at:
        return "assessed"
    return "received"


def receipt(answer: dict[str, Any]) -> dict[str, Any]:
    """What the school is told: its own reference and time, and that it was received (not opened or linked)."""
    return {"referral_id": answer["referral_id"], "school_id": answer["school_id"],
            "submitted_at": answer["submitted_at"], "status": "received"}
