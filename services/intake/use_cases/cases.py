"""Work on a case: advice, signposting, interview, closing; what triage reports back; reads for staff, audited."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.envelope import Event
from contracts.intake import CaseClosed, MedicalAssessmentRecorded
from services.chassis.auth import Staff
from services.chassis.db import UnitOfWork
from services.intake.deps import Deps
from services.intake.domain.advice import advice_events, interview_events, signposting_events
from services.intake.domain.calendar import promise_timing
from services.intake.domain.cases import Actor, case_not_found, check_open, close_events
from services.intake.domain.idempotency import request_hash
from services.intake.domain.language import LanguageList
from services.intake.domain.rules import IntakeRules
from services.intake.forms import AdviceIn, CloseIn, InterviewIn, SignpostIn
from services.intake.store.queries import case_of, contacts_of, drop_open_link, return_of
from services.intake.store.tables import CaseRow, ReturnRow
from services.intake.use_cases.contacts import actor_of
from services.intake.use_cases.idempotency import Answer, remember, replay

BuildEvents = Callable[[Actor, datetime], list[Event]]


def give_advice(deps: Deps, case_id: str, body: AdviceIn, staff: Staff, key: str | None) -> Answer:
    return _act(deps, case_id, staff, "advice", lambda a, now: advice_events(case_id, a, now, body.topic_codes),
                body.model_dump(), key)


def signpost(deps: Deps, case_id: str, body: SignpostIn, staff: Staff, key: str | None) -> Answer:
    return _act(deps, case_id, staff, "signposting", lambda a, now: signposting_events(
        case_id, a, now, body.destination, body.reason), body.model_dump(), key)


def schedule_interview(deps: Deps, case_id: str, body: InterviewIn, staff: Staff, key: str | None) -> Answer:
    return _act(deps, case_id, staff, "interview", lambda a, now: interview_events(
        case_id, a, now, body.scheduled_for), body.model_dump(mode="json"), key)


def close_case(deps: Deps, case_id: str, body: CloseIn, staff: Staff, key: str | None) -> Answer:
    return _act(deps, case_id, staff, "close", lambda a, now: close_events(case_id, now, body.reason),
                body.model_dump(), key)


def _act(deps: Deps, case_id: str, staff: Staff, action: str, build: BuildEvents, body: dict[str, Any],
         key: str | None) -> Answer:
    """Apply one staff act to an open case: events in the outbox, case row updated, audited, in one go."""
    now = deps.clock.now()
    scoped = f"key:{action}:{case_id}:{key}" if key else None
    with deps.db.uow() as uow:
        s = uow.session
        stored = replay(s, scoped, request_hash(body))
        if stored is not None:
            return stored, True
        case = case_of(s, case_id)
        if case is None:
            raise case_not_found(case_id)
        check_open(case.status)
        events = build(actor_of(staff), now)
        apply_events(s, case, events, now)
        uow.publish(*events)
        answer = {"case_id": case_id, "status": case.status, "events": [e.event_type for e in events]}
        remember(s, scoped, request_hash(body), case_id, answer, now)
        deps.audit.within(s, staff, action, case_id=case_id, patient_ref=case.patient_ref)
        uow.commit()
        return answer, False


def apply_events(s: Session, case: CaseRow, events: list[Event], now: datetime) -> None:
    """What a staff act's events change on the case row: assessed, closed (and no longer the child's open case)."""
    for ev in events:
        if isinstance(ev, MedicalAssessmentRecorded) and case.assessed_at is None:
            case.assessed_at = now
        if isinstance(ev, CaseClosed):
            case.status, case.closed_at, case.closed_reason = "closed", now, ev.payload.reason
            drop_open_link(s, case)
    s.add(case)


def record_assessment(uow: UnitOfWork, case_id: str | None, assessed_at: datetime) -> None:
    """A licensed interview assessed the case: it leaves intake's queue of cases awaiting assessment."""
    case = case_of(uow.session, case_id) if case_id else None
    if case is not None and case.assessed_at is None:
        case.assessed_at = assessed_at
        uow.session.add(case)


def record_passed_on(uow: UnitOfWork, case_id: str | None, decided_at: datetime) -> None:
    """A care level was decided: the case was passed on (a school sees that status, nothing more)."""
    case = case_of(uow.session, case_id) if case_id else None
    if case is not None and case.passed_on_at is None:
        case.passed_on_at = decided_at
        uow.session.add(case)


# -- reads, audited ---------------------------------------------------------------------------------
def summary(case: CaseRow, now: datetime, rules: IntakeRules, languages: LanguageList) -> dict[str, Any]:
    known = languages.by_code(case.language) if case.language else None
    return {"case_id": case.case_id, "patient_ref": case.patient_ref, "status": case.status,
            "promise_days": rules.promise_days,
            "channel": case.channel, "source": case.source, "clock_start": case.clock_start.isoformat(),
            "age_years": case.age_years, "sex": case.sex, "municipality": case.municipality,
            "triage_hint": case.triage_hint, "acute_risk": case.acute_risk_at is not None, "language": case.language,
            "interpreter_needed": case.interpreter_needed,
            "language_name": {"sv": known.sv, "en": known.en} if known else None,
            "assessed_at": case.assessed_at.isoformat() if case.assessed_at else None,
            **promise_timing(case.clock_start, case.status == "open" and case.assessed_at is None, now, rules)}


def read_case(deps: Deps, case_id: str, staff: Staff) -> dict[str, Any]:
    with Session(deps.db.engine) as s:
        case = case_of(s, case_id)
        if case is None:
            deps.audit.record(staff, "read-case", case_id=case_id, outcome="not_found")
            raise case_not_found(case_id)
        contacts = contacts_of(s, case_id)
        returned = return_of(s, case_id)
    deps.audit.record(staff, "read-case", case_id=case_id, patient_ref=case.patient_ref)
    return {**summary(case, deps.clock.now(), deps.rules, deps.languages), "has_contact_details": case.sealed_contact is not None,
            "closed_reason": case.closed_reason, "returned": returned_view(deps, returned),
            "contacts": [{"channel": c.channel, "source": c.source, "clock_start": c.clock_start.isoformat(),
                          "received_at": c.received_at.isoformat(), "linked": c.linked,
                          "external_ref": c.external_ref, "call_id": c.call_id,
                          "document_sha256": c.document_sha256,
                          "date_written": c.date_written.isoformat() if c.date_written else None,
                          "date_arrived": c.date_arrived.isoformat() if c.date_arrived else None}
                         for c in contacts]}


def returned_view(deps: Deps, row: ReturnRow | None) -> dict[str, Any] | None:
    """A returned referral as the case screen shows it: the reason in words, the advice as written."""
    if row is None:
        return None
    reason = deps.return_reasons.by_code(row.reason)
    return {"reason": row.reason, "reason_text": {"sv": reason.sv, "en": reason.en} if reason else None,
            "advice": row.advice, "returned_at": row.returned_at.isoformat()}
