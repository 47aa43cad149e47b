"""Pure rules of the care-level decision and of two-level care: the guide's level or an override with a reason."""
from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.common import CareLevel
from services.chassis.refusal import Refusal, Refused
from services.chassis.telemetry import redact
from services.triage.domain.guide import Facts, Guide, Proposal, TwoLevelCare, propose
from services.triage.domain.refusals import PERSONAL_DETAILS, REASON_REQUIRED

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    level: CareLevel
    proposal: Proposal
    overridden: bool
    override_reason: str | None


def decide(guide: Guide, facts: Facts, level: CareLevel | None = None, reason: str | None = None) -> Decision:
    """The guide's proposal, or a clinician's level with a reason; a level other than the guide's is an override."""
    proposal = propose(guide, facts)
    if level is None:
        return Decision(proposal.level, proposal, False, None)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(REASON_REQUIRED)
    refuse_personal_details(reason)
    return Decision(level, proposal, level != proposal.level, reason)


def refuse_personal_details(reason: str | None) -> None:
    """The reason travels on the bus: identity numbers, phone numbers and e-mail addresses are refused."""
    if reason and (redact(reason) != reason or _EMAIL.search(reason)):
        raise Refused(PERSONAL_DETAILS)


def check_codes(tl: TwoLevelCare, question: str, intervention: str, hc: str, bup: str) -> None:
    """Two-level care's question, intervention and BUP unit are the guide's codes; the health centre is not BUP."""
    errors: list[Refusal] = []
    for field, value, allowed in (("question", question, tl.questions),
                                  ("intervention", intervention, tl.interventions), ("bup_unit", bup, tl.bup_units)):
        if value not in allowed:
            errors.append(Refusal(field, "unknown_code", f"'{value}' är inte en av {', '.join(allowed)}.",
                                  f"'{value}' is not one of {', '.join(allowed)}."))
    if hc in tl.bup_units or hc.startswith("bup-"):
        errors.append(Refusal("health_centre_unit", "not_a_health_centre",
                              "Ange en hälsocentral, inte en BUP-mottagning.",
                              "Give a health centre, not a BUP reception."))
    if errors:
        raise Refused(*errors)
