"""BUP units report their later stages: a decision on in-depth investigation or treatment, a wait excluded
(PvV, MoV, SoV), and the start. Booking publishes each as a contract event (via the outbox) so the KPI
service computes the national waiting-times report instead of someone typing it in.

Stateless on purpose: the events are the record; booking only checks the case is one it knows at BUP.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from contracts.booking import (
    BupStage,
    BupStageDecided,
    BupStageDecidedPayload,
    BupStageStarted,
    BupStageStartedPayload,
    BupStageWaitExcluded,
    BupStageWaitExcludedPayload,
    WaitExclusion,
)
from services.booking.store import BookingCase
from services.chassis.auth import OWN_UNIT, Staff, require, require_unit
from services.chassis.db import UnitOfWork
from services.chassis.errors import DomainError, field_error
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import PlausibleDatetime

UNIT_STAFF = ("clinician", "unit_head", "scheduler")
CASE_ID = r"^C-[0-9A-Z]{12}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StageDecidedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    decided_at: PlausibleDatetime = Field(description="When the unit decided the stage is needed.",
                                          examples=["2026-03-06T14:00:00+01:00"])


class StageExcludedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    code: WaitExclusion = Field(description="pvv: offered a time within the limit and declined; mov: medical reason; "
                                            "sov: special reason.")
    at: PlausibleDatetime = Field(examples=["2026-03-20T10:00:00+01:00"])


class StageStartedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    started_at: PlausibleDatetime = Field(examples=["2026-04-03T09:00:00+02:00"])
    decided_at: PlausibleDatetime | None = Field(None, description="Only if the decision was not reported.")


STAGES = ("investigation", "treatment")


def _stage(stage: str) -> BupStage:
    """The stage in the path, checked here (after the body) so one error shape names it."""
    if stage not in STAGES:
        raise DomainError([field_error("stage", "Steget ska vara investigation eller treatment.",
                                       "stage must be investigation or treatment.", "enum")])
    return stage  # type: ignore[return-value]


def _bup_case(uow: UnitOfWork, case_id: str) -> BookingCase:
    case = uow.session.get(BookingCase, case_id)
    if case is None or case.level != "bup":
        raise DomainError([field_error("case_id", "Ärendet är inte beslutat till BUP.",
                                       "The case has not been decided for BUP.", "not_bup")], status=409)
    return case


def build_stage_api(rt: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/api/bup", tags=["bup stages"])

    def publish(staff: Staff, case_id: str, event: Any, action: str) -> dict[str, str]:
        require_unit(staff, event.payload.unit_id)  # a unit reports its own stages
        with rt.db.uow() as uow:
            _bup_case(uow, case_id)
            uow.publish(event)
            rt.audit.within(uow.session, staff, action, case_id=case_id)
            uow.commit()
        return {"case_id": case_id, "event": event.event_type, "event_id": str(event.event_id)}

    @api.post("/cases/{case_id}/stages/{stage}/decided", status_code=201, openapi_extra=OWN_UNIT,
              summary="The unit decided on an in-depth investigation or treatment: the stage's wait starts.")
    def decided(stage: str, body: StageDecidedIn, case_id: str = Path(pattern=CASE_ID),
                staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
        now = rt.clock.now()
        ev = BupStageDecided.new(case_id=case_id, occurred_at=now, payload=BupStageDecidedPayload(
            stage=_stage(stage), unit_id=body.unit_id, decided_at=body.decided_at))
        return publish(staff, case_id, ev, "record-bup-stage-decided")

    @api.post("/cases/{case_id}/stages/{stage}/excluded", status_code=201, openapi_extra=OWN_UNIT,
              summary="The stage's wait is excluded from the within-limit share (PvV, MoV, SoV) and counted apart.")
    def excluded(stage: str, body: StageExcludedIn, case_id: str = Path(pattern=CASE_ID),
                 staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
        now = rt.clock.now()
        ev = BupStageWaitExcluded.new(case_id=case_id, occurred_at=now, payload=BupStageWaitExcludedPayload(
            stage=_stage(stage), unit_id=body.unit_id, code=body.code, at=body.at))
        return publish(staff, case_id, ev, "record-bup-stage-excluded")

    @api.post("/cases/{case_id}/stages/{stage}/started", status_code=201, openapi_extra=OWN_UNIT,
              summary="The in-depth investigation or treatment started: the stage's wait ends.")
    def started(stage: str, body: StageStartedIn, case_id: str = Path(pattern=CASE_ID),
                staff: Staff = require(*UNIT_STAFF)) -> dict[str, str]:
        if body.decided_at is not None and body.decided_at > body.started_at:
            raise DomainError([field_error("decided_at", "Beslutet kan inte ligga efter starten.",
                                           "The decision cannot be after the start.", "range")])
        now = rt.clock.now()
        ev = BupStageStarted.new(case_id=case_id, occurred_at=now, payload=BupStageStartedPayload(
            stage=_stage(stage), unit_id=body.unit_id, started_at=body.started_at, decided_at=body.decided_at))
        return publish(staff, case_id, ev, "record-bup-stage-started")

    return api
