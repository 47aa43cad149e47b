"""HTTP API of the notifications service for staff apps: history, status, resend, and the event stream."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session
from sse_starlette.sse import EventSourceResponse

from contracts.envelope import CASE_ID_PATTERN
from services.chassis.auth import OWN_UNIT, UNIT_SCOPED_ROLES, Staff, acts_for, county_wide, require, require_unit
from services.chassis.ops_view import INT64_MAX
from services.chassis.refusal import Refusal, Refused
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.notifications import store
from services.notifications.deps import Deps
from services.notifications.domain.planning import FAMILY
from services.notifications.domain.policy import StreamPolicy
from services.notifications.domain.visibility import message_visible
from services.notifications.forms import CheckinAnswers, ResendRequest
from services.notifications.store import Delivery
from services.notifications.stream import events_for
from services.notifications.use_cases import checkins, deliveries

STAFF_ROLES = ("call_handler", "clinician", "scheduler", "unit_head", "kc_head", "coordinator", "ops")
HISTORY_ROLES = ("call_handler", "clinician", "scheduler", "kc_head", "ops")
RESEND_ROLES = ("call_handler", "clinician", "kc_head")
CaseId = Annotated[str, Path(pattern=CASE_ID_PATTERN, description="Pseudonymous case id.")]


def deps_of(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
ServiceDeps = Annotated[Deps, Depends(deps_of)]
router = APIRouter(prefix="/api", tags=["notifications"])


class DeliveryView(BaseModel):
    """A message as staff see it: what, to whom (the kind, never the address), how it went."""

    notification_id: str
    case_id: str | None
    template: str
    recipient_kind: str
    recipient_ref: str | None = Field(None, description="Who was alerted, for staff messages: the pseudonymous "
                                      "staff ref (e.g. the clinician on duty). Never given for families.")
    channel: str | None
    status: str = Field(description="pending | sending | sent | failed | cancelled")
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str | None
    trigger_type: str
    resend_of: str | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryView:
        view = cls.model_validate(row, from_attributes=True)
        return view if row.recipient_kind != FAMILY else view.model_copy(update={"recipient_ref": None})


def _not_found() -> HTTPException:
    return HTTPException(404, detail={"sv": "Meddelandet finns inte.", "en": "No such notification."})


def _own_unit(staff: Staff, units: set[str]) -> None:
    """403 for a scheduler or unit head unless the case concerns their unit (as booking's routes decide)."""
    if not any(acts_for(staff, u) for u in units):
        require_unit(staff, min(units, default=None))


def _for_role(staff: Staff, row: Delivery, policy: StreamPolicy) -> None:
    if not message_visible(row.trigger_type, staff.role, policy):
        raise HTTPException(403, detail={"sv": f"Rollen {staff.role} får inte se det här meddelandet.",
                                         "en": f"Role {staff.role} may not see this message."})


@router.get("/cases/{case_id}/notifications", openapi_extra=OWN_UNIT,
            summary="Notification history of a case (audited). A scheduler sees it for a case of their own unit; "
                    "messages about a risk only the roles the stream shows the risk to.")
def history(case_id: CaseId, rt: Runtime, deps: ServiceDeps,
            staff: Staff = require(*HISTORY_ROLES)) -> list[DeliveryView]:
    with Session(rt.db.engine) as s:
        _own_unit(staff, store.units_of_case(s, case_id))
        rows = store.deliveries_of_case(s, case_id)
        ref = store.patient_ref(s, case_id)
    shown = [r for r in rows if message_visible(r.trigger_type, staff.role, deps.policy.stream)]
    rt.audit.record(staff, "read-notification-history", case_id=case_id, patient_ref=ref,
                    detail=f"{len(shown)} messages")
    return [DeliveryView.of(r) for r in shown]


@router.get("/notifications/{nid}", openapi_extra=OWN_UNIT,
            summary="Delivery status of one notification (audited); scoped as the case's history.")
def status(nid: Annotated[str, Path(max_length=40)], rt: Runtime, deps: ServiceDeps,
           staff: Staff = require(*HISTORY_ROLES)) -> DeliveryView:
    with Session(rt.db.engine) as s:
        row = store.delivery(s, nid)
        if row is None:
            raise _not_found()
        _own_unit(staff, store.units_of_case(s, row.case_id))
        ref = store.patient_ref(s, row.case_id)
    _for_role(staff, row, deps.policy.stream)
    rt.audit.record(staff, "read-notification", case_id=row.case_id, patient_ref=ref, detail=nid)
    return DeliveryView.of(row)


@router.post("/notifications/{nid}/resend", status_code=202, summary="Send a family message again (audited).")
def resend(nid: Annotated[str, Path(max_length=40)], body: ResendRequest, rt: Runtime, staff: Staff = require(*RESEND_ROLES)) -> DeliveryView:
    with rt.db.uow() as uow:
        copy = deliveries.resend(uow, nid, body.reason, staff, rt.audit, rt.clock.now())
        if copy is None:
            raise _not_found()
        uow.commit()
    return DeliveryView.of(copy)


@router.get("/cases/{case_id}/checkins", summary="A case's check-ins with the family's answers and own words "
            "(audited read).")
def case_checkins(case_id: CaseId, rt: Runtime, deps: ServiceDeps,
                  staff: Staff = require("call_handler", "clinician", "kc_head")) -> list[dict[str, Any]]:
    return checkins.for_case(rt.db, deps, rt.audit, case_id, staff)


# The family's page is the workspace's (/svar/{token}); it asks here with its service account. The token is the
# family's key to one check-in: nothing about the child is answered, and it works once, until it expires.
@router.get("/checkins/{token}", summary="Whether a check-in's personal link works, and until when (no personal "
            "data).")
def checkin_link(token: str, rt: Runtime, staff: Staff = require("ops")) -> dict[str, Any]:
    return checkins.open_link(rt.db, token, rt.clock.now())


@router.post("/checkins/{token}/answers", status_code=201, summary="A waiting family's answers to a check-in "
             "(once): worse or a risk put the case on the staff's list to call today; a risk alerts the clinician "
             "on duty. Nothing is decided automatically.")
def checkin_answers(token: str, body: CheckinAnswers, rt: Runtime, deps: ServiceDeps,
                    staff: Staff = require("ops")) -> dict[str, Any]:
    return checkins.answer(rt.db, deps, token, body)


@router.get("/stream/head", summary="The stream's latest sequence number: a staff app that has just read the "
            "current state opens the stream with it as `Last-Event-ID`, to get only what happens next.",
            openapi_extra=county_wide("one sequence number; no child in it"))
def stream_head(rt: Runtime, staff: Staff = require(*STAFF_ROLES)) -> dict[str, int]:
    with Session(rt.db.engine) as s:
        return {"seq": store.stream_head(s)}


@router.get("/stream", summary="Server-Sent Events: case events for the caller's role and unit.",
            openapi_extra={"x-unit-scope": "own-unit-filtered", "x-unit-scope-reason": "a scheduler or unit head "
                           "gets only their unit's events; without a unit in the token, 403"},
            description="Resume with the `Last-Event-ID` header (or `last_event_id`): events after it, in order, "
                        "none repeated or skipped. Carries pseudonymous case ids only, never contact details. "
                        "Each event delivered is audited with its child.")
async def stream(rt: Runtime, deps: ServiceDeps, staff: Staff = require(*STAFF_ROLES),
                 last_event_id: Annotated[str | None, Header(max_length=20)] = None,
                 after: Annotated[int | None, Query(alias="last_event_id", ge=0, le=INT64_MAX)] = None,
                 ) -> EventSourceResponse:
    start = _parse_last_id(last_event_id) if last_event_id is not None else (after or 0)
    if staff.role in UNIT_SCOPED_ROLES and staff.unit is None:
        require_unit(staff, None)
    rt.audit.record(staff, "subscribe-case-events", detail=f"from seq {start}")
    return EventSourceResponse(events_for(rt.db, staff, deps.policy.stream, start, deps.stream_poll_s,
                                          audit=rt.audit), ping=int(deps.stream_ping_s))


def _parse_last_id(raw: str) -> int:
    if not raw.isdigit() or int(raw) > INT64_MAX:
        raise Refused(Refusal("Last-Event-ID", "int_parsing", "Ska vara ett löpnummer (heltal).",
                              "Must be a sequence number (an integer)."))
    return int(raw)
