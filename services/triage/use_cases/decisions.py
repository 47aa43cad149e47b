"""Use cases of the care-level decision and of two-level care (collaboration between HC and BUP)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from contracts.common import CareLevel
from contracts.triage import (
    CareLevelDecided,
    CareLevelDecidedPayload,
    CollaborationInitiated,
    CollaborationInitiatedPayload,
    RuleFired,
)
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused
from services.triage.domain import decision as rules
from services.triage.domain.guide import Facts, Proposal, propose
from services.triage.domain.interview import facts_of_result
from services.triage.domain.policy import Policy
from services.triage.domain.refusals import NO_INTERVIEW, UNKNOWN_CASE
from services.triage.store import (
    CareDecision,
    Collaboration,
    TriageCase,
    case_of,
    interview_of_case,
    journey_of,
    latest_decision,
    next_decision_seq,
)


def _interviewed(session: Session, case_id: str) -> tuple[TriageCase, Facts]:
    """The case and its completed interview's scores as the guide sees them; refused without such an interview."""
    case = case_of(session, case_id)
    row = interview_of_case(session, case_id)
    if case is None or row is None or row.completed_at is None or row.result is None:
        raise Refused(NO_INTERVIEW)
    return case, facts_of_result(row.result, case.age_years or 0)


def proposal_for(session: Session, policy: Policy, case_id: str) -> Proposal:
    """The guide's proposal for the case's completed interview (a read: nothing changes)."""
    return propose(policy.guide, _interviewed(session, case_id)[1])


def decide(uow: UnitOfWork, policy: Policy, case_id: str, staff: Staff, now: datetime,
           level: CareLevel | None = None, reason: str | None = None) -> CareDecision:
    """Record the decision (the guide's level, or the clinician's with a reason) and publish CareLevelDecided."""
    s = uow.session
    case, facts = _interviewed(s, case_id)
    decision = rules.decide(policy.guide, facts, level, reason)
    previous = latest_decision(s, case_id)
    p = decision.proposal
    row = CareDecision(case_id=case_id, seq=next_decision_seq(s, case_id), level=decision.level, guide_level=p.level,
                       rules_version=p.rules_version, overridden=decision.overridden,
                       override_reason=decision.override_reason, decided_at=now, decided_by=staff.subject)
    case.status, case.level = "decided", decision.level
    s.add_all([row, case])
    uow.publish(CareLevelDecided.new(
        case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=journey_of(case),
        payload=CareLevelDecidedPayload(
            level=decision.level, guide_level=p.level, rules_version=p.rules_version,
            reasons=[RuleFired(rule_id=f.rule_id, level=f.level, because=f.because) for f in p.fired]
            or _default_reason(policy, p),
            lower_levels_rejected=list(p.lower_levels_rejected),
            override_reason=decision.override_reason, overridden=decision.overridden, decided_at=now,
            by_staff_ref=staff.subject, supersedes_level=previous.level if previous else None)))
    return row


def _default_reason(policy: Policy, p: Proposal) -> list[RuleFired]:
    # No rule fired: the decision still says why it landed where it did.
    return [RuleFired(rule_id="DEFAULT", level=p.level, because=policy.guide.default_reason.en)]


def initiate_collaboration(uow: UnitOfWork, policy: Policy, case_id: str, staff: Staff, now: datetime, *,
                           question: str, intervention: str, health_centre_unit: str, bup_unit: str) -> Collaboration:
    s = uow.session
    case = case_of(s, case_id)
    if case is None:
        raise Refused(UNKNOWN_CASE)
    rules.check_codes(policy.guide.two_level_care, question, intervention, health_centre_unit, bup_unit)
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
