"""BUP units report their later stages: a decision on in-depth investigation or treatment, a wait excluded
(PvV, MoV, SoV), and the start. Booking publishes each as a contract event (via the outbox) so the KPI
service computes the national waiting-times report instead of someone typing it in.

Stateless on purpose: the events are the record; booking only checks the case is one it knows at BUP.
"""
from __future__ import annotations

from fastapi import APIRouter, Path

from contracts.booking import (
    BupStageDecided,
    BupStageDecidedPayload,
    BupStageStarted,
    BupStageStartedPayload,
    BupStageWaitExcluded,
    BupStageWaitExcludedPayload,
)
from services.booking.api.access import UNIT_STAFF
from services.booking.deps import Runtime
from services.booking.domain import enforce
from services.booking.domain.stages import stage as checked_stage
from services.booking.domain.stages import why_not_started
from services.booking.forms import CASE_ID, StageDecidedIn, StageExcludedIn, StageStartedIn
from services.booking.use_cases.stages import report_stage
from services.chassis.auth import OWN_UNIT, Staff, require, require_unit
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import Ident

router = APIRouter(prefix="/api/bup", tags=["bup stages"])
StageEvent = BupStageDecided | BupStageWaitExcluded | BupStageStarted


def _publish(rt: ServiceRuntime, staff: Staff, case_id: str, event: StageEvent, action: str) -> dict[str, str]:
    require_unit(staff, event.payload.unit_id)  # a unit reports its own stages
    with rt.db.uow() as uow:
        report_stage(uow, case_id, event)
        rt.audit.within(uow.session, staff, action, case_id=case_id)
        uow.commit()
    return {"case_id": case_id, "event": event.event_type, "event_id": str(event.event_id)}


@router.post("/cases/{case_id}/stages/{stage}/decided", status_code=201, openapi_extra=OWN_UNIT,
             summary="The unit decided on an in-depth investigation or treatment: the stage's wait starts.")
def decided(stage: Ident, body: StageDecidedIn, rt: Runtime, case_id: str = Path(pattern=CASE_ID),
            staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
    ev = BupStageDecided.new(case_id=case_id, occurred_at=rt.clock.now(), payload=BupStageDecidedPayload(
        stage=checked_stage(stage), unit_id=body.unit_id, decided_at=body.decided_at))
    return _publish(rt, staff, case_id, ev, "record-bup-stage-decided")


@router.post("/cases/{case_id}/stages/{stage}/excluded", status_code=201, openapi_extra=OWN_UNIT,
             summary="The stage's wait is excluded from the within-limit share (PvV, MoV, SoV) and counted apart.")
def excluded(stage: Ident, body: StageExcludedIn, rt: Runtime, case_id: str = Path(pattern=CASE_ID),
             staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
    ev = BupStageWaitExcluded.new(case_id=case_id, occurred_at=rt.clock.now(), payload=BupStageWaitExcludedPayload(
        stage=checked_stage(stage), unit_id=body.unit_id, code=body.code, at=body.at))
    return _publish(rt, staff, case_id, ev, "record-bup-stage-excluded")


@router.post("/cases/{case_id}/stages/{stage}/started", status_code=201, openapi_extra=OWN_UNIT,
             summary="The in-depth investigation or treatment started: the stage's wait ends.")
def started(stage: Ident, body: StageStartedIn, rt: Runtime, case_id: str = Path(pattern=CASE_ID),
            staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
    enforce(why_not_started(body.decided_at, body.started_at))
    ev = BupStageStarted.new(case_id=case_id, occurred_at=rt.clock.now(), payload=BupStageStartedPayload(
        stage=checked_stage(stage), unit_id=body.unit_id, started_at=body.started_at, decided_at=body.decided_at))
    return _publish(rt, staff, case_id, ev, "record-bup-stage-started")
