"""Kafka consumers of the intake service: each handler turns one event into one use case call."""
from __future__ import annotations

from contracts.notifications import DELIVERIES_TOPIC, CheckInAnswered
from contracts.triage import ASSESSMENTS_TOPIC, CareLevelDecided, InterviewAssessmentRecorded
from services.chassis.db import UnitOfWork
from services.chassis.subscriptions import Subscription, on
from services.intake.deps import Deps
from services.intake.use_cases import call_today
from services.intake.use_cases.cases import record_assessment, record_passed_on


def on_interview_assessed(event: InterviewAssessmentRecorded, uow: UnitOfWork, deps: Deps) -> None:
    """A licensed interview assessed the case: it leaves intake's queue of cases awaiting assessment."""
    record_assessment(uow, event.case_id, event.payload.assessed_at)


def on_care_level_decided(event: CareLevelDecided, uow: UnitOfWork, deps: Deps) -> None:
    """A care level was decided: the case was passed on (a school sees that status, nothing more)."""
    record_passed_on(uow, event.case_id, event.payload.decided_at)


def on_check_in_answered(event: CheckInAnswered, uow: UnitOfWork, deps: Deps) -> None:
    """A waiting family answered a check-in: worse, a risk or no longer needed puts the case on today's call list."""
    call_today.answered(event, uow)


SUBSCRIPTIONS: list[Subscription[Deps]] = [
    Subscription("intake.assessments", (ASSESSMENTS_TOPIC,),
                 (on(InterviewAssessmentRecorded, on_interview_assessed), on(CareLevelDecided, on_care_level_decided)),
                 description="Triage's assessments and decisions: the case leaves intake's queue, and a school sees "
                             "that it was passed on."),
    Subscription("intake.checkins", (DELIVERIES_TOPIC,), (on(CheckInAnswered, on_check_in_answered),),
                 description="Waiting families' check-in answers: the ones staff must act on go on today's call "
                             "list."),
]
