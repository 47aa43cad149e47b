"""Use cases of the interview: start or resume, save answers (risk first), complete once."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from contracts.triage import (
    InterviewAssessmentRecorded,
    InterviewCompleted,
    InterviewCompletedPayload,
    MedicalAssessmentRecordedByTriagePayload,
    RiskEscalated,
    RiskEscalatedPayload,
    ScaleScore,
)
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused
from services.triage.domain import interview as rules
from services.triage.domain.interview import AnswerIn, InterviewResult
from services.triage.domain.policy import Policy
from services.triage.domain.refusals import ALREADY_COMPLETED, NOT_LICENSED, UNKNOWN_CASE, UNKNOWN_INTERVIEW
from services.triage.domain.scoring import RiskSignal
from services.triage.store import (
    ANSWERS,
    Interview,
    TriageCase,
    answers_of,
    case_of,
    claim_completion,
    interview_of,
    interview_of_case,
    journey_of,
    stored_answers,
)

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_interview_id() -> str:
    return "I-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def case_or_refuse(session: Session, case_id: str) -> TriageCase:
    case = case_of(session, case_id)
    if case is None:
        raise Refused(UNKNOWN_CASE)
    return case


def interview_or_refuse(session: Session, interview_id: str) -> Interview:
    row = interview_of(session, interview_id)
    if row is None:
        raise Refused(UNKNOWN_INTERVIEW)
    return row


def start(uow: UnitOfWork, policy: Policy, case_id: str, staff: Staff, now: datetime) -> Interview:
    """Start the case's interview, or return the one already begun (a dropped call is resumed, not restarted)."""
    s = uow.session
    case = case_or_refuse(s, case_id)
    existing = interview_of_case(s, case_id)
    if existing is not None:
        return existing
    age = rules.normable_age(case.age_years, policy.instruments.main)
    forms = policy.instruments.forms_for(age)
    row = Interview(interview_id=new_interview_id(), case_id=case_id, instrument_id=forms[0].id,
                    instrument_version=forms[0].version, forms=[{"id": f.id, "version": f.version} for f in forms],
                    started_at=now, started_by=staff.subject)
    s.add(row)
    case.status = "interviewing"
    s.add(case)
    return row


def _open_or_refuse(s: Session, interview_id: str) -> Interview:
    row = interview_or_refuse(s, interview_id)
    if row.completed_at is not None:
        raise Refused(ALREADY_COMPLETED)
    return row


def save_answers(uow: UnitOfWork, policy: Policy, interview_id: str, answers: list[AnswerIn], staff: Staff,
                 now: datetime) -> list[str]:
    """Save (or correct) answers; a risk answer is escalated at once, in the same transaction as the save."""
    s = uow.session
    row = _open_or_refuse(s, interview_id)
    forms = policy.forms(row.forms)
    rules.check_answers(forms, answers)
    # the stored answers read once, not one look-up per answer (a whole form is saved in one request)
    stored = stored_answers(s, interview_id)
    every: dict[str, dict[str, int]] = {}  # all the interview's answers now: the stored ones with this save's
    for (form, item), answer in stored.items():
        every.setdefault(form, {})[item] = answer.value
    new: list[dict[str, Any]] = []
    for a in {(a.form, a.item): a for a in answers}.values():  # the last of an item sent twice counts
        old = stored.get((a.form, a.item))
        if old is None:
            new.append({"interview_id": interview_id, "form": a.form, "item": a.item, "value": a.value,
                        "saved_at": now, "saved_by": staff.subject})
        else:
            old.value, old.saved_at, old.saved_by = a.value, now, staff.subject
            s.add(old)
        every.setdefault(a.form, {})[a.item] = a.value
    if new:  # one multi-row INSERT: an object per answer cost four times as much for a whole form's answers
        s.exec(insert(ANSWERS), params=new)
    s.flush()
    row.last_saved_at, row.last_saved_by = now, staff.subject
    signals = rules.new_risk_signals(forms, every, set(row.escalated_flags))
    if signals:
        _escalate(uow, row, signals, staff, now)
    s.add(row)
    return [sig.flag for sig in signals]


def _escalate(uow: UnitOfWork, row: Interview, signals: list[RiskSignal], staff: Staff, now: datetime) -> None:
    severity = rules.severity_of(signals)
    row.escalated_flags = [*row.escalated_flags, *(sig.flag for sig in signals)]
    case = case_of(uow.session, row.case_id)
    if case is not None:  # the waiting list puts the case first; it never waits for an ordinary booking
        if case.risk_severity != "acute":
            case.risk_severity = severity
        uow.session.add(case)
    uow.publish(RiskEscalated.new(case_id=row.case_id, occurred_at=now, recorded_at=now,
                                  correlation_id=journey_of(case), payload=RiskEscalatedPayload(
        interview_id=row.interview_id, items=[sig.flag for sig in signals], severity=severity,
        raised_at=now, by_staff_ref=staff.subject)))


def complete(uow: UnitOfWork, policy: Policy, interview_id: str, staff: Staff, now: datetime) -> Interview:
    """Score and close the interview once; it is the case's licensed medical assessment."""
    s = uow.session
    row = _open_or_refuse(s, interview_id)
    if not staff.licensed:
        raise Refused(NOT_LICENSED)
    case = case_or_refuse(s, row.case_id)
    result = _score(s, policy, row, case)
    if not claim_completion(s, interview_id, now):
        raise Refused(ALREADY_COMPLETED)
    row.completed_at, row.completed_by = now, staff.subject
    row.result = rules.result_json(result)
    case.status = "interviewed"
    s.add_all([row, case])
    uow.publish(
        InterviewCompleted.new(case_id=row.case_id, occurred_at=now, recorded_at=now,
                               payload=_completed_payload(row, result, staff, now), correlation_id=journey_of(case)),
        InterviewAssessmentRecorded.new(case_id=row.case_id, occurred_at=now, recorded_at=now,
                                        correlation_id=journey_of(case),
                                        payload=MedicalAssessmentRecordedByTriagePayload(
                                            assessed_at=now, kind="interview", by_role="clinician",
                                            by_staff_ref=staff.subject, licensed=True)))
    return row


def _score(s: Session, policy: Policy, row: Interview, case: TriageCase) -> InterviewResult:
    forms = policy.forms(row.forms)
    answers = answers_of(s, row.interview_id)
    # the files may have changed version since the start: score with the loaded ones, and say so
    rules.check_answers(forms, [AnswerIn(f, i, v) for f, given in answers.items() for i, v in given.items()
                                if f in forms and i in forms[f].items()])
    row.forms = [{"id": f["id"], "version": forms[f["id"]].version} for f in row.forms if f["id"] in forms]
    row.instrument_version = forms[row.instrument_id].version
    return rules.complete(forms, row.instrument_id, answers, case.age_years or 0, case.sex or "unknown")


def _completed_payload(row: Interview, result: InterviewResult, staff: Staff,
                       now: datetime) -> InterviewCompletedPayload:
    return InterviewCompletedPayload(
        interview_id=row.interview_id, instrument_id=row.instrument_id, instrument_version=row.instrument_version,
        started_at=row.started_at, completed_at=now,
        scores=[ScaleScore(scale=r.scale, raw=r.raw, t_score=r.t_score, band=r.band) for r in result.scores],
        functioning=result.functioning, risk_flags=list(dict.fromkeys(r.flag for r in result.risks)),
        informant_disagreement=result.disagreement, by_role="clinician", by_staff_ref=staff.subject,
        supplementary_forms=[f"{f['id']}@{f['version']}" for f in row.forms
                             if f["id"] in result.forms_scored and f["id"] != row.instrument_id])
