"""HTTP API of the notifications service for staff apps: history, status, resend, and the event stream."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, func, select
from sse_starlette.sse import EventSourceResponse

from contracts.envelope import CASE_ID_PATTERN
from services.chassis.auth import Staff, require
from services.chassis.errors import DomainError, field_error
from services.chassis.runtime import ServiceRuntime
from services.chassis.validation import FreeText
from services.notifications.domain.planning import FAMILY, notification_id
from services.notifications.policy import StreamPolicy
from services.notifications.store import Delivery, FamilyContact, StreamEvent
from services.notifications.stream import events_for

STAFF_ROLES = ("call_handler", "clinician", "scheduler", "unit_head", "kc_head", "coordinator", "ops")
HISTORY_ROLES = ("call_handler", "clinician", "scheduler", "kc_head", "ops")
RESEND_ROLES = ("call_handler", "clinician", "kc_head")
CaseId = Annotated[str, Path(pattern=CASE_ID_PATTERN, description="Pseudonymous case id.")]


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


class ResendRequest(BaseModel):
    reason: FreeText(200, 3) = Field(description="Why it is sent again (audited).")  # type: ignore[valid-type]


def _not_found() -> HTTPException:
    return HTTPException(404, detail={"sv": "Meddelandet finns inte.", "en": "No such notification."})


def build_api(rt: ServiceRuntime, stream_policy: StreamPolicy, poll_s: float, ping_s: float) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["notifications"])

    @api.get("/cases/{case_id}/notifications", summary="Notification history of a case.")
    def history(case_id: CaseId, staff: Staff = require(*HISTORY_ROLES)) -> list[DeliveryView]:
        with Session(rt.db.engine) as s:
            rows = s.exec(select(Delivery).where(Delivery.case_id == case_id).order_by(Delivery.id)).all()
            ref = _patient_ref(s, case_id)
        rt.audit.record(staff, "read-notification-history", case_id=case_id, patient_ref=ref,
                        detail=f"{len(rows)} messages")
        return [DeliveryView.of(r) for r in rows]

    @api.get("/notifications/{nid}", summary="Delivery status of one notification.")
    def status(nid: str, staff: Staff = require(*HISTORY_ROLES)) -> DeliveryView:
        with Session(rt.db.engine) as s:
            row = s.exec(select(Delivery).where(Delivery.notification_id == nid)).first()
            ref = _patient_ref(s, row.case_id) if row is not None else None
        if row is None:
            raise _not_found()
        rt.audit.record(staff, "read-notification", case_id=row.case_id, patient_ref=ref, detail=nid)
        return DeliveryView.of(row)

    @api.post("/notifications/{nid}/resend", status_code=202, summary="Send a family message again (audited).")
    def resend(nid: str, body: ResendRequest, staff: Staff = require(*RESEND_ROLES)) -> DeliveryView:
        now = rt.clock.now()
        with rt.db.uow() as uow:
            s = uow.session
            row = s.exec(select(Delivery).where(Delivery.notification_id == nid)).first()
            if row is None:
                raise _not_found()
            _check_resendable(row)
            n = s.exec(select(func.count()).select_from(Delivery).where(Delivery.resend_of == nid)).one()
            copy = Delivery(notification_id=notification_id(f"{nid}|resend|{n + 1}", FAMILY, row.template),
                            case_id=row.case_id, trigger_event_id=row.trigger_event_id, trigger_type="Resend",
                            template=row.template, recipient_kind=row.recipient_kind, recipient_ref=row.recipient_ref,
                            context=row.context, due_at=now, created_at=now, resend_of=nid,
                            requested_by=staff.subject)
            s.add(copy)
            rt.audit.within(s, staff, "resend-notification", case_id=row.case_id, detail=f"{nid}: {body.reason}"[:400])
            uow.commit()
        return DeliveryView.of(copy)

    @api.get("/stream/head", summary="The stream's latest sequence number: a staff app that has just read the "
             "current state opens the stream with it as `Last-Event-ID`, to get only what happens next.")
    def stream_head(staff: Staff = require(*STAFF_ROLES)) -> dict[str, int]:
        with Session(rt.db.engine) as s:
            head = s.exec(select(func.max(StreamEvent.seq))).one()
        return {"seq": int(head or 0)}

    @api.get("/stream", summary="Server-Sent Events: case events for the caller's role and unit.",
             description="Resume with the `Last-Event-ID` header (or `last_event_id`): events after it, in order, "
                         "none repeated or skipped. Carries pseudonymous case ids only, never contact details.")
    async def stream(staff: Staff = require(*STAFF_ROLES),
                     last_event_id: Annotated[str | None, Header()] = None,
                     after: Annotated[int | None, Query(alias="last_event_id", ge=0)] = None) -> EventSourceResponse:
        start = _parse_last_id(last_event_id) if last_event_id is not None else (after or 0)
        rt.audit.record(staff, "subscribe-case-events", detail=f"from seq {start}")
        return EventSourceResponse(events_for(rt.db, staff, stream_policy, start, poll_s), ping=int(ping_s))

    return api


def _patient_ref(s: Session, case_id: str | None) -> str | None:
    contact = s.get(FamilyContact, case_id) if case_id else None
    return contact.patient_ref if contact else None


def _check_resendable(row: Delivery) -> None:
    if row.recipient_kind != FAMILY:
        raise DomainError([field_error("notification_id", "Bara meddelanden till familjer kan skickas om.",
                                       "Only messages to families can be resent.", "not_family")])
    if row.status not in ("sent", "failed"):
        raise DomainError([field_error("notification_id", "Meddelandet är inte skickat än; det går redan iväg.",
                                       "The message has not gone yet; it is already on its way.", "not_done")])


def _parse_last_id(raw: str) -> int:
    if not raw.isdigit():
        raise DomainError([field_error("Last-Event-ID", "Ska vara ett löpnummer (heltal).",
                                       "Must be a sequence number (an integer).", "int_parsing")])
    return int(raw)
