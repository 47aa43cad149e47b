"""Service layer for the call platform's reports: each step stored once and published once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.chassis.runtime import ServiceRuntime
from services.intake.domain.telephony import step_event
from services.intake.forms import CallStepIn
from services.intake.store import CallStepRow, answered_calls_without_case, call_steps


@dataclass
class Calls:
    rt: ServiceRuntime

    def _known(self, s: Session, step: CallStepIn) -> CallStepRow | None:
        return s.exec(select(CallStepRow).where(CallStepRow.call_id == step.call_id, CallStepRow.step == step.step,
                                                CallStepRow.at == step.at)).first()

    def record(self, step: CallStepIn) -> tuple[dict[str, Any], bool]:
        """(answer, duplicate). Order does not matter: each step carries the platform's own time."""
        now = self.rt.clock.now()
        event = step_event(step.step, step.call_id, step.line, step.at, now)
        try:
            with self.rt.db.uow() as uow:
                known = self._known(uow.session, step)
                if known is not None:
                    return {"event_id": known.event_id, "status": "duplicate"}, True
                uow.session.add(CallStepRow(call_id=step.call_id, line=step.line, step=step.step, at=step.at,
                                            received_at=now, event_id=str(event.event_id)))
                uow.publish(event)
                uow.commit()
        except IntegrityError:  # the platform's retry raced the first delivery
            with Session(self.rt.db.engine) as s:
                known = self._known(s, step)
            assert known is not None
            return {"event_id": known.event_id, "status": "duplicate"}, True
        return {"event_id": str(event.event_id), "status": "recorded"}, False

    def steps(self, call_id: str) -> list[dict[str, Any]]:
        with Session(self.rt.db.engine) as s:
            rows = sorted(call_steps(s, call_id), key=lambda r: r.at)
        return [{"step": r.step, "at": r.at.isoformat(), "line": r.line} for r in rows]

    def waiting(self, hours: int) -> list[dict[str, Any]]:
        """Answered calls (or callbacks) of the last `hours` that no case has taken: what a call handler picks up.
        Call ids and times only: the platform reports no caller identity, and none is kept."""
        since = self.rt.clock.now() - timedelta(hours=hours)
        with Session(self.rt.db.engine) as s:
            rows = answered_calls_without_case(s, since)
            seen: dict[str, dict[str, Any]] = {}
            for r in rows:
                if r.call_id not in seen:
                    first = min(x.at for x in call_steps(s, r.call_id))
                    seen[r.call_id] = {"call_id": r.call_id, "line": r.line, "step": r.step,
                                       "answered_at": r.at.isoformat(), "first_step_at": first.isoformat(),
                                       "queue_wait_s": int((r.at - first).total_seconds())}
        return list(seen.values())
