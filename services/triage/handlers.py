"""Kafka consumers of the triage service: intake's cases tell triage who waits for an interview."""
from __future__ import annotations

from contracts.intake import CASES_TOPIC, CaseClosed, CaseLinked, InterviewScheduled, ReferralReceived, Signposted
from services.chassis.db import UnitOfWork
from services.chassis.subscriptions import Subscription, on
from services.triage.use_cases import Deps, cases


def on_referral(event: ReferralReceived, uow: UnitOfWork, deps: Deps) -> None:
    cases.remember_case(event, uow)


def on_case_linked(event: CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    cases.linked(event, uow)


def on_interview_scheduled(event: InterviewScheduled, uow: UnitOfWork, deps: Deps) -> None:
    cases.schedule_interview(event, uow)


def on_signposted(event: Signposted, uow: UnitOfWork, deps: Deps) -> None:
    cases.stop_waiting(event, uow)


def on_case_closed(event: CaseClosed, uow: UnitOfWork, deps: Deps) -> None:
    cases.stop_waiting(event, uow)


SUBSCRIPTIONS: list[Subscription[Deps]] = [
    Subscription("triage.cases", (CASES_TOPIC,), (
        on(ReferralReceived, on_referral),
        on(CaseLinked, on_case_linked),
        on(InterviewScheduled, on_interview_scheduled),
        on(Signposted, on_signposted),
        on(CaseClosed, on_case_closed),
    ), description="Cases from intake: who waits for an interview, the child's age and sex; a self-referral's "
                   "acute-risk answers escalate at once."),
]
