"""Service layer for work on a case: advice, signposting, interview, closing; reads for staff, audited."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.envelope import Event
from contracts.intake import CaseClosed, CaseClosedPayload, MedicalAssessmentRecorded
from services.chassis.auth import Staff
from services.chassis.errors import DomainError, field_error
from services.chassis.runtime import ServiceRuntime
from services.intake.domain.calendar import at_risk, days_since, promise_broken
from services.intake.domain.cases import Actor
from services.intake.domain.problems import Invalid, problem
from services.intake.idempotency import remember, replay, request_hash
from services.intake.rules import IntakeRules
from services.intake.store import CaseRow, OpenCaseRow, contacts_of, work_queue
from services.intake.takein import actor_of

BuildEvents = Callable[[Actor, datetime], list[Event]]


def not_found(case_id: str) -> DomainError:
    return DomainError([field_error("case_id", f"Ärendet {case_id} finns inte.", f"Case {case_id} does not exist.",
                                    "not_found")], status=404)


def close_events(case_id: str, now: datetime, reason: str) -> list[Event]:
    return [CaseClosed.new(case_id=case_id, occurred_at=now, recorded_at=now,
                           payload=CaseClosedPayload(reason=reason))]


@dataclass
class Casework:
    rt: ServiceRuntime
    rules: IntakeRules

    def act(self, case_id: str, staff: Staff, action: str, build: BuildEvents, body: dict[str, Any],
            key: str | None) -> tuple[dict[str, Any], bool]:
        """Apply one staff act to an open case: events in the outbox, case row updated, audited, in one go."""
        now = self.rt.clock.now()
        scoped = f"key:{action}:{case_id}:{key}" if key else None
        with self.rt.db.uow() as uow:
            s = uow.session
            stored = replay(s, scoped, request_hash(body))
            if stored is not None:
                return stored, True
            case = s.get(CaseRow, case_id)
            if case is None:
                raise not_found(case_id)
            if case.status != "open":
                raise Invalid([problem("case_id", "Ärendet är redan avslutat.", "The case is already closed.",
                                       "case_closed")])
            events = build(actor_of(staff), now)
            self._update(s, case, events, now)
            uow.publish(*events)
            answer = {"case_id": case_id, "status": case.status, "events": [e.event_type for e in events]}
            remember(s, scoped, request_hash(body), case_id, answer, now)
            self.rt.audit.within(s, staff, action, case_id=case_id, patient_ref=case.patient_ref)
            uow.commit()
            return answer, False

    @staticmethod
    def _update(s: Session, case: CaseRow, events: list[Event], now: datetime) -> None:
        for ev in events:
            if isinstance(ev, MedicalAssessmentRecorded) and case.assessed_at is None:
                case.assessed_at = now
            if isinstance(ev, CaseClosed):
                case.status, case.closed_at, case.closed_reason = "closed", now, ev.payload.reason
                link = s.get(OpenCaseRow, case.patient_ref)
                if link is not None and link.case_id == case.case_id:
                    s.delete(link)
        s.add(case)

    # -- reads ---------------------------------------------------------------------------------
    def _timing(self, case: CaseRow, now: datetime) -> dict[str, Any]:
        days = days_since(case.clock_start, now)
        waiting = case.status == "open" and case.assessed_at is None
        return {"days_since_clock_start": days, "at_risk": waiting and at_risk(days, self.rules),
                "promise_broken": waiting and promise_broken(days, self.rules)}

    def summary(self, case: CaseRow, now: datetime) -> dict[str, Any]:
        return {"case_id": case.case_id, "patient_ref": case.patient_ref, "status": case.status,
                "promise_days": self.rules.promise_days,
                "channel": case.channel, "source": case.source, "clock_start": case.clock_start.isoformat(),
                "age_years": case.age_years, "sex": case.sex, "municipality": case.municipality,
                "triage_hint": case.triage_hint,
                "assessed_at": case.assessed_at.isoformat() if case.assessed_at else None,
                **self._timing(case, now)}

    def read_case(self, case_id: str, staff: Staff) -> dict[str, Any]:
        with Session(self.rt.db.engine) as s:
            case = s.get(CaseRow, case_id)
            if case is None:
                self.rt.audit.record(staff, "read-case", case_id=case_id, outcome="not_found")
                raise not_found(case_id)
            contacts = contacts_of(s, case_id)
        self.rt.audit.record(staff, "read-case", case_id=case_id, patient_ref=case.patient_ref)
        return {**self.summary(case, self.rt.clock.now()), "has_contact_details": case.sealed_contact is not None,
                "closed_reason": case.closed_reason,
                "contacts": [{"channel": c.channel, "source": c.source, "clock_start": c.clock_start.isoformat(),
                              "received_at": c.received_at.isoformat(), "linked": c.linked,
                              "external_ref": c.external_ref, "call_id": c.call_id,
                              "document_sha256": c.document_sha256,
                              "date_written": c.date_written.isoformat() if c.date_written else None,
                              "date_arrived": c.date_arrived.isoformat() if c.date_arrived else None}
                             for c in contacts]}

    def queue(self, staff: Staff) -> dict[str, Any]:
        """Today's work: open, not yet assessed cases, oldest clock start first."""
        now = self.rt.clock.now()
        with Session(self.rt.db.engine) as s:
            cases = work_queue(s)
        # a row per child on the list: the region's log review asks "who looked at this child"
        self.rt.audit.children(staff, "read-work-queue", [(c.case_id, c.patient_ref) for c in cases],
                               detail=f"{len(cases)} cases")
        items = [self.summary(c, now) for c in cases]
        return {"as_of": now.isoformat(), "promise_days": self.rules.promise_days,
                "at_risk": sum(1 for i in items if i["at_risk"]), "cases": items}
