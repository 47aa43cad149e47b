"""Kafka consumers of the booking service: learn the child and the clock; act on care-level decisions."""
from __future__ import annotations

from contracts.intake import CASES_TOPIC, CaseLinked, ReferralReceived
from contracts.kpi import FORECASTS_TOPIC, DemandForecastPublished
from contracts.triage import ASSESSMENTS_TOPIC, CareLevelDecided
from services.booking.deps import Deps
from services.booking.use_cases import cases, demand_forecasts
from services.chassis.db import UnitOfWork
from services.chassis.subscriptions import Subscription, on


def on_referral(event: ReferralReceived, uow: UnitOfWork, deps: Deps) -> None:
    """Keeps the child's pseudonymous facts and the clock start for offers and waiting lists."""
    cases.remember_case(event, uow)


def on_case_linked(event: CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    """A contact linked to the case: the earliest clock start wins."""
    cases.link_case(event, uow)


def on_decision(event: CareLevelDecided, uow: UnitOfWork, deps: Deps) -> None:
    """A decided level: the waiting list if nothing is bookable within the promise; a change re-books."""
    cases.decide_level(event, uow, deps.ref, deps.clock.now())


def on_demand_forecast(event: DemandForecastPublished, uow: UnitOfWork, deps: Deps) -> None:
    """The KPI service's expected decisions per municipality and level: the runway's demand while it is fresh."""
    demand_forecasts.keep_forecast(event, uow, deps.clock.now())


# the group names key the inbox rows and the committed offsets: they never change
SUBSCRIPTIONS: list[Subscription[Deps]] = [
    Subscription("booking.cases", (CASES_TOPIC,), (on(ReferralReceived, on_referral), on(CaseLinked, on_case_linked)),
                 description="The child's pseudonymous facts and the clock start, for offers and waiting lists."),
    Subscription("booking.decisions", (ASSESSMENTS_TOPIC,), (on(CareLevelDecided, on_decision),),
                 description="Decided care levels: offers, the waiting list, re-booking on a change of level."),
    Subscription("booking.forecasts", (FORECASTS_TOPIC,), (on(DemandForecastPublished, on_demand_forecast),),
                 description="The KPI service's demand forecast: each unit's expected first visits for the runway."),
]
