"""Rådgivning: advice by a licensed professional (a medical assessment), signposting, or an interview."""
from __future__ import annotations

import uuid
from datetime import datetime

from contracts.common import SignpostDestination
from contracts.envelope import Event
from contracts.intake import (
    AdviceGiven,
    AdviceGivenPayload,
    InterviewScheduled,
    InterviewScheduledPayload,
    MedicalAssessmentPayload,
    MedicalAssessmentRecorded,
)
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.cases import Actor, SignpostReason, signpost_events


def advice_events(case_id: str, actor: Actor, now: datetime, topic_codes: list[str]) -> list[Event]:
    """Only a licensed professional's advice counts as the medical assessment of the 3-day promise."""
    if not actor.licensed:
        raise Refused(Refusal("licensed", "not_licensed", "Endast legitimerad personal kan registrera rådgivning.",
                              "Only a licensed professional can record advice."))
    corr = uuid.uuid4()
    given = AdviceGiven.new(case_id=case_id, occurred_at=now, recorded_at=now, correlation_id=corr,
                            payload=AdviceGivenPayload(given_at=now, topic_codes=topic_codes, **actor.act()))
    assessed = MedicalAssessmentRecorded.new(
        case_id=case_id, occurred_at=now, recorded_at=now, caused_by=given,
        payload=MedicalAssessmentPayload(assessed_at=now, kind="advice", **actor.act()))
    return [given, assessed]


def signposting_events(case_id: str, actor: Actor, now: datetime, destination: SignpostDestination,
                       reason: SignpostReason) -> list[Event]:
    if destination == "adult_psychiatry" and reason not in ("adult_care", "other"):
        raise Refused(Refusal("destination", "adult_only", "Vuxenpsykiatri gäller den som fyllt 18 (skäl: adult_care).",
                              "Adult psychiatry is for those aged 18+ (reason: adult_care)."))
    return signpost_events(case_id, reason, actor, now, uuid.uuid4(), destination)


def interview_events(case_id: str, actor: Actor, now: datetime, scheduled_for: datetime) -> list[Event]:
    if scheduled_for < now:
        raise Refused(Refusal("scheduled_for", "in_past", "Intervjutiden har redan passerat.",
                              "The interview time has already passed."))
    return [InterviewScheduled.new(case_id=case_id, occurred_at=now, recorded_at=now,
                                   payload=InterviewScheduledPayload(scheduled_for=scheduled_for, **actor.act()))]
