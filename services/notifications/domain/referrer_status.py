"""What became of a referral, as its referrer hears it: the step an event is, which referrers hear which step
(the versioned data file), and the routes to each kind of referrer (pure)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import ContactDetails
from contracts.envelope import Event
from contracts.intake import ReferrerKind
from services.notifications.domain.contact import Route, routes
from services.notifications.domain.planning import Planned

Step = Literal["received", "assessed", "decided", "booked", "signposted", "closed", "returned"]
CLOSED_BY_AN_EARLIER_STEP = ("signposted", "returned")  # CaseClosed after these says nothing new
FINAL: tuple[Step, ...] = ("signposted", "closed", "returned")  # after one of these a referral's state stays put
# A step told only once its cause is known: a first visit is booked for a decided level, but the booking and the
# decision come on different topics, and a Task must not go back from booked to decided.
CAUSE: dict[Step, Step] = {"booked": "decided"}


class ReferrerUpdates(BaseModel):
    """The data file: which steps each kind of referrer hears, and how old a status may be and still go."""

    model_config = ConfigDict(frozen=True)
    version: str
    max_age_hours: int = Field(ge=1, le=24 * 30)
    steps: dict[ReferrerKind, tuple[Step, ...]]

    def hears(self, kind: str, step: str) -> bool:
        return any(k == kind and step in steps for k, steps in self.steps.items())

    def fresh(self, at: datetime, now: datetime) -> bool:
        return now - at <= timedelta(hours=self.max_age_hours)


@dataclass(frozen=True)
class Status:
    """One step of the referral: when, and what may be said of it (codes; the advice stays sealed)."""

    step: Step
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The step's identity: the first assessment is the news (advice, then the interview, is one step);
        every other step is news each time it happens (a new decision, a re-booking)."""
        return "assessed" if self.step == "assessed" else f"{self.step}|{self.at.isoformat()}"


def status_of(ev: Event[Any]) -> Status | None:
    """The step an event is for the referrer, or None when it is none (a closing after a signposting)."""
    p: Any = ev.payload  # read by event type below
    match ev.event_type:
        case "ReferralReceived" | "CaseLinked":
            return Status("received", ev.occurred_at if ev.event_type == "CaseLinked" else p.received_at)
        case "MedicalAssessmentRecorded" | "InterviewAssessmentRecorded":
            return Status("assessed", p.assessed_at) if p.licensed else None
        case "CareLevelDecided":
            return Status("decided", p.decided_at, {"level": p.level})
        case "AppointmentBooked":
            return Status("booked", ev.occurred_at) if p.visit_type == "new_visit" else None
        case "Signposted":
            return Status("signposted", p.signposted_at)
        case "CaseClosed":
            return None if p.reason in CLOSED_BY_AN_EARLIER_STEP else Status("closed", ev.occurred_at,
                                                                               {"closed": p.reason})
        case "ReferralReturned":
            return Status("returned", p.returned_at, {"reason": p.reason, "reason_sv": p.reason_sv,
                                                      "reason_en": p.reason_en,
                                                      "advice_sealed": p.advice.model_dump_json()})
    return None


def waits(step: Step, known: set[Step]) -> bool:
    """True while the step's cause is not yet known (it is kept, and told right after its cause)."""
    cause = CAUSE.get(step)
    return cause is not None and cause not in known


def waited_for(step: Step, kept: list[Status]) -> list[Status]:
    """The kept steps that waited for this one, in their order."""
    return [k for k in kept if CAUSE.get(k.step) == step]


@dataclass(frozen=True)
class Referral:
    """One referrer of a case, as planning needs it (the reply details stay sealed in the table)."""

    referrer_id: str
    case_id: str
    kind: str
    organisation_ref: str | None
    service_request_ref: str | None
    received_at: datetime
    reachable: bool  # an address to write to: the requester's (EDI) or sealed reply details (school, paper)


def plan_status(r: Referral, status: Status, updates: ReferrerUpdates, now: datetime) -> Planned | None:
    """The message telling this referrer of this step, at once (an organisation, no quiet hours); None when the
    kind does not hear the step, the referral gave nowhere to write, or the news is stale."""
    if not (r.reachable and updates.hears(r.kind, status.step) and updates.fresh(status.at, now)):
        return None
    ctx = {"step": status.step, "at": status.at.isoformat(), "received_at": r.received_at.isoformat(),
           "case_reference": r.case_id, "service_request_ref": r.service_request_ref,
           "organisation_ref": r.organisation_ref, "kind": r.kind, "task_id": r.referrer_id, **status.detail}
    return Planned("referrer_status", "referrer", r.referrer_id, now, False, ctx)


def referrer_id(case_id: str, kind: str, organisation_ref: str | None, service_request_ref: str | None) -> str:
    """A referrer of a case, the same for the same referral told twice (the delivery's recipient ref)."""
    digest = hashlib.sha256(f"{case_id}|{kind}|{organisation_ref}|{service_request_ref}".encode()).hexdigest()
    return "R-" + digest[:16].upper()


def referrer_routes(kind: str, organisation_ref: str | None, reply_to: ContactDetails | None) -> list[Route]:
    """EDI: the message exchange, to the requester's address; a school: its sender's work e-mail; paper: a letter
    to the letterhead's address. None when the referral gave nowhere to write (then nothing is planned)."""
    if kind == "edi":
        return [Route("edi", organisation_ref)] if organisation_ref else []
    if kind in ("school", "paper") and reply_to is not None:
        return routes(reply_to, ("email",) if kind == "school" else ("digital_letter",))[0]
    return []
