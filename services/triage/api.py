"""HTTP API of the triage service for the interview screen: thin routes over the service layer."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from contracts.common import CareLevel
from services.chassis.auth import Staff, require
from services.chassis.db import UnitOfWork
from services.chassis.errors import DomainError, field_error
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import FreeText
from services.triage import decisions, interviews
from services.triage.domain import AnswerIn, Refused
from services.triage.policy import Policy
from services.triage.store import CareDecision, Collaboration, Interview, TriageCase, answers_of, waiting_cases

CASE_ID = r"^C-[0-9A-Z]{12}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(_Body):
    form: str = Field(max_length=60, description="Instrument id.", examples=["demo-bcfpi-shape"])
    item: str = Field(max_length=60, description="Item id.", examples=["mood_1"])
    value: int = Field(description="The chosen option's value on the item's answer scale.", examples=[2])


class AnswersIn(_Body):
    answers: list[Answer] = Field(min_length=1, max_length=200)


class OverrideIn(_Body):
    level: CareLevel = Field(description="The clinician's level.", examples=["bup"])
    reason: FreeText(1000, 3) = Field(description="Mandatory reason for deviating from the guide.")  # type: ignore[valid-type]


class CollaborationIn(_Body):
    question: str = Field(max_length=60, examples=["stepwise_adhd_assessment"])
    intervention: str = Field(max_length=60, examples=["joint_assessment"])
    health_centre_unit: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["hc-ersboda"])
    bup_unit: str = Field(max_length=60, examples=["bup-umea"])


@contextmanager
def refusals() -> Iterator[None]:
    """The domain's refusals become 422 answers with bilingual field errors."""
    try:
        yield
    except Refused as exc:
        raise DomainError([field_error(f, sv, en, code) for f, sv, en, code in exc.errors]) from None


def _interview_view(s: Session, row: Interview) -> dict[str, Any]:
    return {"interview_id": row.interview_id, "case_id": row.case_id, "instrument_id": row.instrument_id,
            "instrument_version": row.instrument_version, "forms": row.forms, "started_at": row.started_at,
            "started_by": row.started_by, "last_saved_by": row.last_saved_by, "completed_at": row.completed_at,
            "escalated_flags": row.escalated_flags, "answers": answers_of(s, row.interview_id), "result": row.result}


def _case_view(c: TriageCase) -> dict[str, Any]:
    return {"case_id": c.case_id, "patient_ref": c.patient_ref, "age_years": c.age_years, "sex": c.sex,
            "municipality": c.municipality, "received_at": c.received_at, "status": c.status,
            "interview_scheduled_for": c.interview_scheduled_for, "risk_severity": c.risk_severity}


def build_api(rt: ServiceRuntime, policy: Policy) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["triage"])
    _reads(api, rt, policy)
    _interview_routes(api, rt, policy)
    _decision_routes(api, rt, policy)
    return api


def _reads(api: APIRouter, rt: ServiceRuntime, policy: Policy) -> None:
    @api.get("/cases/waiting", summary="Cases waiting for an interview: risk first, then booked time, then arrival.")
    def list_waiting(staff: Staff = require("clinician", "call_handler", "kc_head", "coordinator")) -> list[dict]:
        with rt.db.uow() as uow:
            rows = waiting_cases(uow.session)
            for c in rows:  # each child on the list is a read of personal data
                rt.audit.within(uow.session, staff, "list-waiting", case_id=c.case_id, patient_ref=c.patient_ref)
            uow.commit()
        return [_case_view(c) for c in rows]

    @api.get("/instruments", summary="The loaded instruments: id, version, informant, ages.")
    def list_instruments(staff: Staff = require("clinician", "call_handler", "coordinator")) -> list[dict]:
        return [{"id": i.id, "version": i.version, "informant": i.informant, "min_age": i.min_age,
                 "max_age": i.max_age, "main": i.id == policy.instruments.main.id}
                for i in policy.instruments.by_id.values()]

    @api.get("/instruments/{instrument_id}", summary="One instrument: sections, items, answer scales, scales.")
    def load_instrument(instrument_id: str, staff: Staff = require("clinician", "call_handler", "coordinator")) -> dict:
        inst = policy.instruments.by_id.get(instrument_id)
        if inst is None:
            raise DomainError([field_error("instrument_id", "Okänt formulär.", "Unknown instrument.", "unknown")], 404)
        return inst.model_dump(mode="json")

    @api.get("/cases/{case_id}", summary="Where the case stands in triage: the case, its interview (if begun) "
             "and its latest care-level decision (if any). Audited.")
    def read_case(case_id: str, staff: Staff = require("clinician", "call_handler", "kc_head", "coordinator")) -> dict:
        with Session(rt.db.engine) as s:
            case = s.get(TriageCase, case_id)
            if case is None:
                rt.audit.record(staff, "read-triage-case", case_id=case_id, outcome="not_found")
                raise DomainError([field_error("case_id", "Ärendet har inte nått bedömningen än.",
                                               "The case has not reached triage yet.", "not_found")], 404)
            iv = s.exec(select(Interview).where(Interview.case_id == case_id)).first()
            decision = s.exec(select(CareDecision).where(CareDecision.case_id == case_id)
                              .order_by(col(CareDecision.seq).desc())).first()
            view = {**_case_view(case),
                    "interview": {"interview_id": iv.interview_id, "completed_at": iv.completed_at,
                                  "escalated_flags": iv.escalated_flags} if iv else None,
                    "decision": _decision_view(decision) if decision else None}
        rt.audit.record(staff, "read-triage-case", case_id=case_id, patient_ref=case.patient_ref)
        return view

    @api.get("/collaborations", summary="Two-level care: children with collaboration initiated (newest first), and "
             "the questions, interventions and BUP units the guide allows. Audited per listed case.")
    def list_collaborations(since_days: int = Query(120, ge=1, le=800),
                            staff: Staff = require("coordinator", "kc_head", "clinician")) -> dict:
        since = rt.clock.now() - timedelta(days=since_days)
        with rt.db.uow() as uow:
            rows = uow.session.exec(select(Collaboration).where(Collaboration.initiated_at >= since)
                                    .order_by(col(Collaboration.initiated_at).desc())).all()
            for r in rows:
                rt.audit.within(uow.session, staff, "list-collaborations", case_id=r.case_id)
            uow.commit()
            items = [{"case_id": r.case_id, "question": r.question, "intervention": r.intervention,
                      "health_centre_unit": r.health_centre_unit, "bup_unit": r.bup_unit,
                      "initiated_at": r.initiated_at} for r in rows]
        tlc = policy.guide.two_level_care
        return {"questions": list(tlc.questions), "interventions": list(tlc.interventions),
                "bup_units": list(tlc.bup_units), "collaborations": items}

    @api.get("/interviews/{interview_id}", summary="The saved state of an interview, to resume it.")
    def get_interview(interview_id: str, staff: Staff = require("clinician")) -> dict:
        with Session(rt.db.engine) as s, refusals():
            row = interviews.interview_or_refuse(s, interview_id)
            view = _interview_view(s, row)
            case = s.get(TriageCase, row.case_id)
        rt.audit.record(staff, "read-interview", case_id=row.case_id, patient_ref=case.patient_ref if case else None)
        return view

    @api.get("/cases/{case_id}/proposal", summary="The guide's proposed care level and its reasons.")
    def get_proposal(case_id: str, staff: Staff = require("clinician")) -> dict:
        with Session(rt.db.engine) as s, refusals():
            p = decisions.proposal_for(s, policy, case_id)
            case = s.get(TriageCase, case_id)
        rt.audit.record(staff, "read-proposal", case_id=case_id, patient_ref=case.patient_ref if case else None)
        texts = {r.id: r.text.model_dump() for r in policy.guide.rules}
        return {"level": p.level, "rules_version": p.rules_version, "lower_levels_rejected": p.lower_levels_rejected,
                "fired": [{"rule_id": f.rule_id, "level": f.level, "because": f.because, "text": texts.get(f.rule_id)}
                          for f in p.fired],
                "default_reason": None if p.fired else policy.guide.default_reason.model_dump()}


def _change(rt: ServiceRuntime, staff: Staff, action: str, case_id: str | None):  # type: ignore[no-untyped-def]
    """A unit of work that audits the change inside its own transaction."""

    @contextmanager
    def scope() -> Iterator[UnitOfWork]:
        with rt.db.uow() as uow, refusals():
            yield uow
            case = uow.session.get(TriageCase, case_id) if case_id else None
            rt.audit.within(uow.session, staff, action, case_id=case_id,
                            patient_ref=case.patient_ref if case else None)
            try:
                uow.commit()
            except IntegrityError:  # another clinician did the same at the same moment: nothing half-done
                raise DomainError([field_error("case_id", "Någon annan ändrade ärendet samtidigt; försök igen.",
                                               "Someone else changed the case at the same moment; try again.",
                                               "conflict")], 409) from None

    return scope()


def _interview_routes(api: APIRouter, rt: ServiceRuntime, policy: Policy) -> None:
    @api.post("/cases/{case_id}/interview", summary="Start the case's interview, or resume the one begun.")
    def start_interview(case_id: str, staff: Staff = require("clinician")) -> dict:
        with _change(rt, staff, "start-interview", case_id) as uow:
            row = interviews.start(uow, policy, case_id, staff, rt.clock.now())
            view = _interview_view(uow.session, row)
        return view

    @api.put("/interviews/{interview_id}/answers", summary="Save answers as they come; risk answers escalate at once.")
    def save_answers(interview_id: str, body: AnswersIn, staff: Staff = require("clinician")) -> dict:
        with Session(rt.db.engine) as s, refusals():
            case_id = interviews.interview_or_refuse(s, interview_id).case_id
        with _change(rt, staff, "save-answers", case_id) as uow:
            flags = interviews.save_answers(uow, policy, interview_id,
                                            [AnswerIn(a.form, a.item, a.value) for a in body.answers],
                                            staff, rt.clock.now())
        return {"saved": len(body.answers), "risk_escalated": flags}

    @api.post("/interviews/{interview_id}/complete", summary="Complete the interview once: scores, bands, assessment.")
    def complete_interview(interview_id: str, staff: Staff = require("clinician")) -> dict:
        with Session(rt.db.engine) as s, refusals():
            case_id = interviews.interview_or_refuse(s, interview_id).case_id
        with _change(rt, staff, "complete-interview", case_id) as uow:
            row = interviews.complete(uow, policy, interview_id, staff, rt.clock.now())
            result = row.result
        return {"interview_id": interview_id, "result": result}


def _decision_view(row: Any) -> dict:
    return {"case_id": row.case_id, "level": row.level, "guide_level": row.guide_level,
            "rules_version": row.rules_version, "overridden": row.overridden,
            "override_reason": row.override_reason, "decided_at": row.decided_at}


def _decision_routes(api: APIRouter, rt: ServiceRuntime, policy: Policy) -> None:
    @api.post("/cases/{case_id}/decision", summary="Decide the care level the guide proposes.")
    def decide(case_id: str, staff: Staff = require("clinician")) -> dict:
        with _change(rt, staff, "decide-care-level", case_id) as uow:
            row = decisions.decide(uow, policy, case_id, staff, rt.clock.now())
        return _decision_view(row)

    @api.post("/cases/{case_id}/decision/override", summary="Decide another level than the guide's, with a reason.")
    def override(case_id: str, body: OverrideIn, staff: Staff = require("clinician")) -> dict:
        with _change(rt, staff, "override-care-level", case_id) as uow:
            row = decisions.decide(uow, policy, case_id, staff, rt.clock.now(), body.level, body.reason)
        return _decision_view(row)

    @api.post("/cases/{case_id}/collaborations", summary="Two-level care: start collaboration between HC and BUP.")
    def collaborate(case_id: str, body: CollaborationIn, staff: Staff = require("clinician", "coordinator")) -> dict:
        with _change(rt, staff, "initiate-collaboration", case_id) as uow:
            row = decisions.initiate_collaboration(uow, policy, case_id, staff, rt.clock.now(),
                                                   **body.model_dump())
        return {"case_id": case_id, "collaboration_id": row.id, **body.model_dump(), "initiated_at": row.initiated_at}

