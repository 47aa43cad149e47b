"""Every way in becomes a case: open one, link to the child's open case, or signpost out at once."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypedDict, get_args

from contracts.common import Channel, ChildProfile, LanguageNeed, Role, SealedContact, SignpostDestination, Source
from contracts.envelope import Event
from contracts.intake import (
    CaseClosed,
    CaseClosedPayload,
    CaseLinked,
    CaseLinkedPayload,
    PaperReferralDigitised,
    PaperReferralDigitisedPayload,
    ReferralReceived,
    ReferralReceivedPayload,
    Referrer,
    Signposted,
    SignpostedPayload,
)
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.child import Child
from services.intake.domain.rules import IntakeRules

SignpostReason = Literal["outside_healthcare", "adult_care", "out_of_county", "other"]
CloseReason = Literal["completed", "withdrawn"]  # what staff may give
ClosedReason = Literal["signposted", "completed", "withdrawn", "merged", "returned"]  # as CaseClosed says
PARTNER_SOURCES: tuple[Source, ...] = ("school_student_health", "social_services", "partner_external",
                                       "partner_internal", "other")
_ROLES: dict[str, Role] = {r: r for r in get_args(Role)}


class StaffActFields(TypedDict):
    """Who acted, as every staff act's payload names it."""

    by_role: Role
    by_staff_ref: str
    licensed: bool


@dataclass(frozen=True)
class Actor:
    """The staff member (or system account) on whose behalf intake acts; pseudonymous."""

    role: Role
    staff_ref: str
    licensed: bool

    def act(self) -> StaffActFields:
        return {"by_role": self.role, "by_staff_ref": self.staff_ref, "licensed": self.licensed}


def as_role(role: str) -> Role:
    """A verified token's role (the verifier admits only the known roles; anything else is a bug here)."""
    return _ROLES[role]


@dataclass(frozen=True)
class PaperDates:
    document_sha256: str
    date_written: date
    date_arrived: date

    @property
    def arrival_delay_days(self) -> int:
        return (self.date_arrived - self.date_written).days


@dataclass(frozen=True)
class Contact:
    """A validated, pseudonymised contact from any channel."""

    channel: Channel
    source: Source
    clock_start: datetime
    received_at: datetime
    patient_ref: str
    child: Child
    sender_date: date | None = None
    contact: SealedContact | None = None
    call_id: str | None = None
    external_ref: str | None = None
    reason_codes: tuple[str, ...] = ()
    paper: PaperDates | None = None
    risk_signals: tuple[str, ...] = ()  # a self-referral's acute-risk answers (codes)
    language: LanguageNeed | None = None
    referrer: Referrer | None = None

    @property
    def school_referral(self) -> bool:
        return self.source == "school_student_health"


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    clock_start: datetime


@dataclass(frozen=True)
class Outcome:
    case_id: str
    status: Literal["opened", "linked", "signposted"]
    clock_start: datetime
    events: list[Event] = field(default_factory=list)


def take_in(contact: Contact, open_case: OpenCase | None, actor: Actor, new_case_id: str, now: datetime,
            rules: IntakeRules) -> Outcome:
    """One child, one open case: link when one is open (earliest clock start wins), else open or signpost."""
    corr = uuid.uuid4()
    if open_case is not None:
        effective = min(open_case.clock_start, contact.clock_start)
        linked = CaseLinked.new(case_id=open_case.case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
                                payload=CaseLinkedPayload(
                                    linked_channel=contact.channel, linked_source=contact.source,
                                    linked_clock_start=contact.clock_start, effective_clock_start=effective,
                                    external_ref=contact.external_ref, contact=contact.contact,
                                    risk_signals=list(contact.risk_signals),
                                    language=contact.language, referrer=contact.referrer))
        return Outcome(open_case.case_id, "linked", effective,
                       [linked, *_paper_events(contact, open_case.case_id, now, corr)])
    received = ReferralReceived.new(case_id=new_case_id, occurred_at=contact.clock_start, recorded_at=now,
                                    correlation_id=corr, payload=_referral_payload(contact))
    events: list[Event] = [received, *_paper_events(contact, new_case_id, now, corr)]
    hint = contact.child.triage_hint
    if hint == "none":
        return Outcome(new_case_id, "opened", contact.clock_start, events)
    events += signpost_events(new_case_id, hint, actor, now, corr, rules.signpost_destinations[hint])
    return Outcome(new_case_id, "signposted", contact.clock_start, events)


def signpost_events(case_id: str, reason: SignpostReason, actor: Actor, now: datetime, corr: uuid.UUID,
                    destination: SignpostDestination) -> list[Event]:
    """Signposting ends the contact centre's part: the case closes with it."""
    signposted = Signposted.new(case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
                                payload=SignpostedPayload(destination=destination, reason=reason,
                                                          signposted_at=now, **actor.act()))
    closed = CaseClosed.new(case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
                            payload=CaseClosedPayload(reason="signposted"))
    return [signposted, closed]


def _referral_payload(c: Contact) -> ReferralReceivedPayload:
    return ReferralReceivedPayload(
        channel=c.channel, source=c.source, school_referral=c.school_referral, clock_start=c.clock_start,
        sender_date=c.sender_date, received_at=c.received_at,
        child=ChildProfile(patient_ref=c.patient_ref, age_years=c.child.age_years, sex=c.child.sex,
                           municipality=c.child.municipality),
        contact=c.contact, call_id=c.call_id, external_ref=c.external_ref, reason_codes=list(c.reason_codes),
        triage_hint=c.child.triage_hint, risk_signals=list(c.risk_signals), language=c.language,
        referrer=c.referrer)


def _paper_events(c: Contact, case_id: str, now: datetime, corr: uuid.UUID) -> list[Event]:
    if c.paper is None:
        return []
    p = c.paper
    return [PaperReferralDigitised.new(
        case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
        payload=PaperReferralDigitisedPayload(document_sha256=p.document_sha256, date_written=p.date_written,
                                              date_arrived=p.date_arrived, digitised_at=now,
                                              arrival_delay_days=p.arrival_delay_days))]


def close_events(case_id: str, now: datetime, reason: CloseReason) -> list[Event]:
    return [CaseClosed.new(case_id=case_id, occurred_at=now, recorded_at=now,
                           payload=CaseClosedPayload(reason=reason))]


def case_not_found(case_id: str) -> Refused:
    return Refused(Refusal("case_id", "not_found", f"Ärendet {case_id} finns inte.", f"Case {case_id} does not exist.",
                           404))


def check_open(status: str) -> None:
    """Staff act only on an open case."""
    if status != "open":
        raise Refused(Refusal("case_id", "case_closed", "Ärendet är redan avslutat.", "The case is already closed."))
