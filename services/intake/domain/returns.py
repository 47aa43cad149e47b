"""Return with advice: a licensed professional sends a referral back to its referrer with advice and a coded
reason, and the case closes as returned (pure)."""
from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import SealedContact
from contracts.envelope import Event
from contracts.intake import (
    CaseClosed,
    CaseClosedPayload,
    MedicalAssessmentPayload,
    MedicalAssessmentRecorded,
    ReferralReturned,
    ReferralReturnedPayload,
)
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.cases import Actor

REFERRED_CHANNELS = ("edi", "paper", "school_form", "partner")  # ways in that have a referrer to return to


class ReturnReason(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str = Field(pattern=r"^[a-z_]{2,40}$")
    sv: str = Field(min_length=5, max_length=120)
    en: str = Field(min_length=5, max_length=120)
    retired: bool = False


class ReturnReasons(BaseModel):
    """The coded reasons a referral may be returned for (versioned reference data)."""

    model_config = ConfigDict(frozen=True)
    version: str
    reasons: tuple[ReturnReason, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ReturnReasons:
        codes = [r.code for r in self.reasons]
        if len(codes) != len(set(codes)):
            raise ValueError("duplicate return reason codes")
        return self

    def usable(self, code: str) -> ReturnReason | None:
        return next((r for r in self.reasons if r.code == code and not r.retired), None)

    def by_code(self, code: str | None) -> ReturnReason | None:
        return next((r for r in self.reasons if r.code == code), None)


def check_return(actor: Actor, channels: list[str], reason: str, reasons: ReturnReasons) -> None:
    """Only a licensed professional returns a referral; only a case that came by referral has one to return;
    the reason must be on the list. Every refusal at once."""
    refusals = []
    if not actor.licensed:
        refusals.append(Refusal("licensed", "not_licensed", "Endast legitimerad personal kan återsända en remiss.",
                                "Only a licensed professional can return a referral."))
    if not any(c in REFERRED_CHANNELS for c in channels):
        refusals.append(Refusal("case_id", "no_referral", "Ärendet kom via telefon: det finns ingen remiss att "
                                "återsända. Ge råd eller hänvisa i stället.", "The case came by phone: there is no "
                                "referral to return. Give advice or signpost instead."))
    if reasons.usable(reason) is None:
        refusals.append(Refusal("reason", "unknown_reason", "Välj ett skäl i listan.", "Choose a reason from the list."))
    if refusals:
        raise Refused(*refusals)


def return_events(case_id: str, actor: Actor, now: datetime, reason: ReturnReason, version: str,
                  advice: SealedContact, assessed: bool) -> list[Event]:
    """The return, the medical assessment it is when the case had none yet (a licensed professional judged the
    referral), and the closing, as one correlated fact."""
    corr = uuid.uuid4()
    returned = ReferralReturned.new(case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
                                    payload=ReferralReturnedPayload(
                                        reason=reason.code, reasons_version=version, reason_sv=reason.sv,
                                        reason_en=reason.en, returned_at=now, advice=advice, **actor.act()))
    events: list[Event] = [returned]
    if not assessed:
        events.append(MedicalAssessmentRecorded.new(
            case_id=case_id, occurred_at=now, recorded_at=now, caused_by=returned,
            payload=MedicalAssessmentPayload(assessed_at=now, kind="other", **actor.act())))
    events.append(CaseClosed.new(case_id=case_id, occurred_at=now, recorded_at=now, caused_by=returned,
                                 payload=CaseClosedPayload(reason="returned")))
    return events
