"""HTTP API of the triage service for the interview screen: thin routes over the use cases and the store's queries."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.chassis.auth import Staff, require
from services.chassis.db import UnitOfWork
from services.chassis.refusal import Refused
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.chassis.validation import Ident
from services.triage.domain.interview import AnswerIn
from services.triage.domain.refusals import CASE_NOT_IN_TRIAGE, CONCURRENT_CHANGE, UNKNOWN_INSTRUMENT
from services.triage.forms import AnswersIn, CollaborationIn, OverrideIn
from services.triage.store import (
    CareDecision,
    Interview,
    TriageCase,
    answers_of,
    case_of,
    collaborations_since,
    interview_of_case,
    latest_decision,
    waiting_cases,
)
from services.triage.use_cases import Deps, decisions, interviews


def deps_of(request: Request) -> Deps:
    """The service's dependencies, put on the app by the composition root."""
    deps: Deps = request.app.state.deps
    return deps


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Dependencies = Annotated[Deps, Depends(deps_of)]
router = APIRouter(prefix="/api", tags=["triage"])


@contextmanager
def _change(rt: ServiceRuntime, staff: Staff, action: str, case_id: str) -> Iterator[UnitOfWork]:
    """A unit of work that audits the change inside its own transaction."""
    with rt.db.uow() as uow:
        yield uow
        case = case_of(uow.session, case_id)
        rt.audit.within(uow.session, staff, action, case_id=case_id, patient_ref=case.patient_ref if case else None)
        try:
            uow.commit()
        except IntegrityError:  # another clinician did the same at the same moment: nothing half-done
            raise Refused(CONCURRENT_CHANGE) from None


def _interview_view(s: Session, row: Interview) -> dict[str, Any]:
    return {"interview_id": row.interview_id, "case_id": row.case_id, "instrument_id": row.instrument_id,
            "instrument_version": row.instrument_version, "forms": row.forms, "started_at": row.started_at,
            "started_by": row.started_by, "last_saved_by": row.last_saved_by, "completed_at": row.completed_at,
            "escalated_flags": row.escalated_flags, "answers": answers_of(s, row.interview_id), "result": row.result}


def _case_view(c: TriageCase) -> dict[str, Any]:
    return {"case_id": c.case_id, "patient_ref": c.patient_ref, "age_years": c.age_years, "sex": c.sex,
            "municipality": c.municipality, "received_at": c.received_at, "status": c.status,
            "interview_scheduled_for": c.interview_scheduled_for, "risk_severity": c.risk_severity}


def _decision_view(row: CareDecision) -> dict[str, Any]:
    return {"case_id": row.case_id, "level": row.level, "guide_level": row.guide_level,
            "rules_version": row.rules_version, "overridden": row.overridden,
            "override_reason": row.override_reason, "decided_at": row.decided_at}


@router.get("/cases/waiting", summary="Cases waiting for an interview: risk first, then booked time, then arrival.")
def list_waiting(rt: Runtime, staff: Staff = require("clinician", "call_handler", "kc_head", "coordinator"),
                 ) -> list[dict[str, Any]]:
    with rt.db.uow() as uow:
        rows = waiting_cases(uow.session)
        for c in rows:  # each child on the list is a read of personal data
            rt.audit.within(uow.session, staff, "list-waiting", case_id=c.case_id, patient_ref=c.patient_ref)
        uow.commit()
    return [_case_view(c) for c in rows]


@router.get("/instruments", summary="The loaded instruments: id, version, informant, ages.")
def list_instruments(deps: Dependencies, staff: Staff = require("clinician", "call_handler", "coordinator"),
                     ) -> list[dict[str, Any]]:
    instruments = deps.policy.instruments
    return [{"id": i.id, "version": i.version, "informant": i.informant, "min_age": i.min_age,
             "max_age": i.max_age, "main": i.id == instruments.main.id} for i in instruments.by_id.values()]


@router.get("/instruments/{instrument_id}", summary="One instrument: sections, items, answer scales, scales.")
def load_instrument(instrument_id: Ident, deps: Dependencies,
                    staff: Staff = require("clinician", "call_handler", "coordinator")) -> dict[str, Any]:
    inst = deps.policy.instruments.by_id.get(instrument_id)
    if inst is None:
        raise Refused(UNKNOWN_INSTRUMENT)
    return inst.model_dump(mode="json")


@router.get("/cases/{case_id}", summary="Where the case stands in triage: the case, its interview (if begun) "
            "and its latest care-level decision (if any). Audited.")
def read_case(case_id: Ident, rt: Runtime,
              staff: Staff = require("clinician", "call_handler", "kc_head", "coordinator")) -> dict[str, Any]:
    with Session(rt.db.engine) as s:
        case = case_of(s, case_id)
        if case is None:
            rt.audit.record(staff, "read-triage-case", case_id=case_id, outcome="not_found")
            raise Refused(CASE_NOT_IN_TRIAGE)
        iv = interview_of_case(s, case_id)
        decision = latest_decision(s, case_id)
        view = {**_case_view(case),
                "interview": {"interview_id": iv.interview_id, "completed_at": iv.completed_at,
                              "escalated_flags": iv.escalated_flags} if iv else None,
                "decision": _decision_view(decision) if decision else None}
    rt.audit.record(staff, "read-triage-case", case_id=case_id, patient_ref=case.patient_ref)
    return view


@router.get("/collaborations", summary="Two-level care: children with collaboration initiated (newest first), and "
            "the questions, interventions and BUP units the guide allows. Audited per listed case.")
def list_collaborations(rt: Runtime, deps: Dependencies, since_days: int = Query(120, ge=1, le=800),
                        staff: Staff = require("coordinator", "kc_head", "clinician")) -> dict[str, Any]:
    since = rt.clock.now() - timedelta(days=since_days)
    with rt.db.uow() as uow:
        rows = collaborations_since(uow.session, since)
        for r in rows:
            rt.audit.within(uow.session, staff, "list-collaborations", case_id=r.case_id)
        uow.commit()
        items = [{"case_id": r.case_id, "question": r.question, "intervention": r.intervention,
                  "health_centre_unit": r.health_centre_unit, "bup_unit": r.bup_unit,
                  "initiated_at": r.initiated_at} for r in rows]
    tlc = deps.policy.guide.two_level_care
    return {"questions": list(tlc.questions), "interventions": list(tlc.interventions),
            "bup_units": list(tlc.bup_units), "collaborations": items}


@router.get("/interviews/{interview_id}", summary="The saved state of an interview, to resume it.")
def get_interview(interview_id: Ident, rt: Runtime, staff: Staff = require("clinician")) -> dict[str, Any]:
    with Session(rt.db.engine) as s:
        row = interviews.interview_or_refuse(s, interview_id)
        view = _interview_view(s, row)
        case = case_of(s, row.case_id)
    rt.audit.record(staff, "read-interview", case_id=row.case_id, patient_ref=case.patient_ref if case else None)
    return view


@router.get("/cases/{case_id}/proposal", summary="The guide's proposed care level and its reasons.")
def get_proposal(case_id: Ident, rt: Runtime, deps: Dependencies, staff: Staff = require("clinician")) -> dict[str, Any]:
    guide = deps.policy.guide
    with Session(rt.db.engine) as s:
        p = decisions.proposal_for(s, deps.policy, case_id)
        case = case_of(s, case_id)
    rt.audit.record(staff, "read-proposal", case_id=case_id, patient_ref=case.patient_ref if case else None)
    texts = {r.id: r.text.model_dump() for r in guide.rules}
    return {"level": p.level, "rules_version": p.rules_version, "lower_levels_rejected": p.lower_levels_rejected,
            "fired": [{"rule_id": f.rule_id, "level": f.level, "because": f.because, "text": texts.get(f.rule_id)}
                      for f in p.fired],
            "default_reason": None if p.fired else guide.default_reason.model_dump()}


@router.post("/cases/{case_id}/interview", summary="Start the case's interview, or resume the one begun.")
def start_interview(case_id: Ident, rt: Runtime, deps: Dependencies,
                    staff: Staff = require("clinician")) -> dict[str, Any]:
    with _change(rt, staff, "start-interview", case_id) as uow:
        row = interviews.start(uow, deps.policy, case_id, staff, rt.clock.now())
        view = _interview_view(uow.session, row)
    return view


def _case_of_interview(rt: ServiceRuntime, interview_id: str) -> str:
    with Session(rt.db.engine) as s:
        return interviews.interview_or_refuse(s, interview_id).case_id


@router.put("/interviews/{interview_id}/answers", summary="Save answers as they come; risk answers escalate at once.")
def save_answers(interview_id: Ident, body: AnswersIn, rt: Runtime, deps: Dependencies,
                 staff: Staff = require("clinician")) -> dict[str, Any]:
    with _change(rt, staff, "save-answers", _case_of_interview(rt, interview_id)) as uow:
        flags = interviews.save_answers(uow, deps.policy, interview_id,
                                        [AnswerIn(a.form, a.item, a.value) for a in body.answers],
                                        staff, rt.clock.now())
    return {"saved": len(body.answers), "risk_escalated": flags}


@router.post("/interviews/{interview_id}/complete", summary="Complete the interview once: scores, bands, assessment.")
def complete_interview(interview_id: Ident, rt: Runtime, deps: Dependencies,
                       staff: Staff = require("clinician")) -> dict[str, Any]:
    with _change(rt, staff, "complete-interview", _case_of_interview(rt, interview_id)) as uow:
        row = interviews.complete(uow, deps.policy, interview_id, staff, rt.clock.now())
        result = row.result
    return {"interview_id": interview_id, "result": result}


@router.post("/cases/{case_id}/decision", summary="Decide the care level the guide proposes.")
def decide(case_id: Ident, rt: Runtime, deps: Dependencies, staff: Staff = require("clinician")) -> dict[str, Any]:
    with _change(rt, staff, "decide-care-level", case_id) as uow:
        row = decisions.decide(uow, deps.policy, case_id, staff, rt.clock.now())
    return _decision_view(row)


@router.post("/cases/{case_id}/decision/override", summary="Decide another level than the guide's, with a reason.")
def override(case_id: Ident, body: OverrideIn, rt: Runtime, deps: Dependencies,
             staff: Staff = require("clinician")) -> dict[str, Any]:
    with _change(rt, staff, "override-care-level", case_id) as uow:
        row = decisions.decide(uow, deps.policy, case_id, staff, rt.clock.now(), body.level, body.reason)
    return _decision_view(row)


@router.post("/cases/{case_id}/collaborations", summary="Two-level care: start collaboration between HC and BUP.")
def collaborate(case_id: Ident, body: CollaborationIn, rt: Runtime, deps: Dependencies,
                staff: Staff = require("clinician", "coordinator")) -> dict[str, Any]:
    with _change(rt, staff, "initiate-collaboration", case_id) as uow:
        row = decisions.initiate_collaboration(uow, deps.policy, case_id, staff, rt.clock.now(), **body.model_dump())
    return {"case_id": case_id, "collaboration_id": row.id, **body.model_dump(), "initiated_at": row.initiated_at}
