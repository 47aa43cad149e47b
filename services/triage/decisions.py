"""Service layer of the care-level decision and of two-level care (collaboration between HC and BUP)."""
from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, func, select

from contracts.triage import (
    CareLevelDecided,
    CareLevelDecidedPayload,
    CollaborationInitiated,
    CollaborationInitiatedPayload,
    RuleFired,
)
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.chassis.telemetry import redact
from services.triage import domain
from services.triage.domain import Refused
from services.triage.guide import Facts, Proposal, propose
from services.triage.policy import Policy
from services.triage.scoring import RiskSignal, ScaleResult
from services.triage.store import CareDecision, Collaboration, Interview, TriageCase, journey_of, latest_decision


def facts_for(session: Session, case_id: str) -> Facts:
    """The completed interview's scores as the guide sees them; refused when there is no completed interview."""
    case = session.get(TriageCase, case_id)
    row = session.exec(select(Interview).where(Interview.case_id == case_id)).first()
    if case is None or row is None or row.completed_at is None or row.result is None:
        raise domain.refuse_without_interview()
    scales = {s["scale"]: ScaleResult(s["scale"], s["kind"], s["raw"], s["max_raw"], s["t_score"], s["band"])
              for s in row.result["scores"]}
    risks = tuple(RiskSignal(r["item"], r["flag"], r["severity"]) for r in row.result["risks"])
    return Facts(scales, risks, case.age_years or 0)


def proposal_for(session: Session, policy: Policy, case_id: str) -> Proposal:
    return propose(policy.guide, facts_for(session, case_id))


def decide(uow: UnitOfWork, policy: Policy, case_id: str, staff: Staff, now: datetime,
           level: str | None = None, reason: str | None = None) -> CareDecision:
    """Record the decision (the guide's level, or the clinician's with a reason) and publish CareLevelDecided."""
    s = uow.session
    decision = domain.decide(policy.guide, facts_for(s, case_id), level, reason)
    _refuse_personal_details(decision.override_reason)
    previous = latest_decision(s, case_id)
    seq = (s.exec(select(func.max(col(CareDecision.seq))).where(CareDecision.case_id == case_id)).one() or 0) + 1
    row = CareDecision(case_id=case_id, seq=seq, level=decision.level, guide_level=decision.proposal.level,
                       rules_version=decision.proposal.rules_version, overridden=decision.overridden,
                       override_reason=decision.override_reason, decided_at=now, decided_by=staff.subject)
    case = s.get(TriageCase, case_id)
    case.status, case.level = "decided", decision.level  # type: ignore[union-attr]
    s.add_all([row, case])
    p = decision.proposal
    uow.publish(CareLevelDecided.new(
        case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=journey_of(case),
        payload=CareLevelDecidedPayload(
            level=decision.level, guide_level=p.level, rules_version=p.rules_version,  # type: ignore[arg-type]
            reasons=[RuleFired(rule_id=f.rule_id, level=f.level, because=f.because) for f in p.fired]  # type: ignore[arg-type]
            or _default_reason(policy, p),
            lower_levels_rejected=list(p.lower_levels_rejected),
            override_reason=decision.override_reason, overridden=decision.overridden, decided_at=now,
            by_staff_ref=staff.subject, supersedes_level=previous.level if previous else None)))  # type: ignore[arg-type]
    return row


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def _refuse_personal_details(reason: str | None) -> None:
    """The reason travels on the bus: identity numbers, phone numbers and e-mail addresses are refused."""
    if reason and (redact(reason) != reason or _EMAIL.search(reason)):
        raise Refused(("reason", "Skriv inte personnummer, telefonnummer eller e-post i skälet.",
                       "Do not write identity numbers, phone numbers or e-mail addresses in the reason.",
                       "personal_details"))


def _default_reason(policy: Policy, p: Proposal) -> list[RuleFired]:
    # No rule fired: the decision still says why it landed where it did.
    return [RuleFired(rule_id="DEFAULT", level=p.level, because=policy.guide.default_reason.en)]  # type: ignore[arg-type]


def initiate_collaboration(uow: UnitOfWork, policy: Policy, case_id: str, staff: Staff, now: datetime, *,
                           question: str, intervention: str, health_centre_unit: str, bup_unit: str) -> Collaboration:
    s = uow.session
    case = s.get(TriageCase, case_id)
    if case is None:
        raise Refused(("case_id", "Ärendet är okänt för triage.", "The case is not known to triage.", "unknown_case"))
    _check_codes(policy, question, intervention, health_centre_unit, bup_unit)
    row = Collaboration(case_id=case_id, question=question, intervention=intervention,
                        health_centre_unit=health_centre_unit, bup_unit=bup_unit, initiated_at=now,
                        initiated_by=staff.subject)
    s.add(row)
    uow.publish(CollaborationInitiated.new(
        case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=journey_of(case),
        payload=CollaborationInitiatedPayload(question=question, intervention=intervention,
                                              health_centre_unit=health_centre_unit, bup_unit=bup_unit,
                                              initiated_at=now, by_staff_ref=staff.subject)))
    return row


def _check_codes(policy: Policy, question: str, intervention: str, hc: str, bup: str) -> None:
    tl = policy.guide.two_level_care
    errors = []
    for field, value, allowed in (("question", question, tl.questions), ("intervention", intervention, tl.interventions),
                                  ("bup_unit", bup, tl.bup_units)):
        if value not in allowed:
            errors.append((field, f"'{value}' är inte en av {', '.join(allowed)}.",
                           f"'{value}' is not one of {', '.join(allowed)}.", "unknown_code"))
    if hc in tl.bup_units or hc.startswith("bup-"):
        errors.append(("health_centre_unit", "Ange en hälsocentral, inte en BUP-mottagning.",
                       "Give a health centre, not a BUP reception.", "not_a_health_centre"))
    if errors:
        raise Refused(*errors)
