"""The demand forecast for booking's runway: computed from the projection's history and published as
DemandForecastPublished every night (before booking's runway at two) and on demand."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from contracts.kpi import DemandCell, DemandForecastPublished, DemandForecastPublishedPayload
from services.chassis.clock import seconds_until
from services.chassis.db import UnitOfWork
from services.chassis.spec import Infra
from services.kpi.domain.days import local_date
from services.kpi.domain.demand_forecast import decision_history, demand_forecast, method_of
from services.kpi.domain.forecast_table import Z, history_window
from services.kpi.store import queries

log = logging.getLogger("kontakt.kpi.demand")
NIGHT = time(1, 30)  # half an hour before booking's nightly runway reads it
WEEKS = 8
MIN_HISTORY_DAYS = 28  # less is no forecast: booking keeps to its own recent weeks


def forecast_payload(s: Session, now: datetime, weeks: int = WEEKS) -> DemandForecastPublishedPayload | None:
    """The next `weeks` from today, fitted on up to two years of whole days before it; None when the projection
    holds less than four weeks of history or no decision to a bookable level."""
    today = local_date(now)
    first, last = history_window(today, queries.data_span(s)[0])
    if (last - first).days + 1 < MIN_HISTORY_DAYS:
        return None
    history = decision_history(queries.cases_in(s, first, last), first, last)
    cells = demand_forecast(history, today, 7 * weeks, Z)
    if not cells:
        return None
    return DemandForecastPublishedPayload(
        scope="region", computed_at=now, first_day=today, days=7 * weeks, z=Z, method=method_of(history),
        history_from=first, history_to=last,
        cells=[DemandCell(municipality=c.municipality, level=c.level, expected=c.expected, low=c.low,
                          high=c.high) for c in cells])


def publish(uow: UnitOfWork, now: datetime, weeks: int = WEEKS) -> DemandForecastPublishedPayload | None:
    """Compute and publish (through the outbox) the forecast; what was published, or None."""
    payload = forecast_payload(uow.session, now, weeks)
    if payload is not None:
        uow.publish(DemandForecastPublished.new(occurred_at=now, recorded_at=now, payload=payload))
    return payload


def seconds_to_night(now: datetime, at: time = NIGHT) -> float:
    """Seconds until the next `at` in Swedish time (services/chassis/clock.py)."""
    return seconds_until(now, at)


def run_once(infra: Infra[Any]) -> bool:
    with infra.db.uow() as uow:
        published = publish(uow, infra.clock.now())
        uow.commit()
    return published is not None


async def every_night(infra: Infra[Any], every_s: float) -> None:
    # not at start-up: a restart should not publish a forecast from a projection still catching up
    while True:
        await asyncio.sleep(min(every_s, seconds_to_night(infra.clock.now())))
        try:
            if not await asyncio.to_thread(run_once, infra):
                log.info("too little history for a demand forecast")
        except OperationalError as exc:  # the database is away: the next night tries again
            log.warning("demand forecast deferred to next night: %s", type(exc).__name__)
