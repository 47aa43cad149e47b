"""The nightly runway forecast: every night at the set hour (Swedish time); on demand the routes forecast."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time

from sqlalchemy.exc import IntegrityError, OperationalError

from services.booking.deps import Deps
from services.booking.use_cases import runway
from services.chassis.clock import seconds_until
from services.chassis.db import Database

log = logging.getLogger("kontakt.booking.runway")
NIGHT = time(2, 0)


def seconds_to_night(now: datetime, at: time = NIGHT) -> float:
    """Seconds until the next `at` in Swedish time (services/chassis/clock.py)."""
    return seconds_until(now, at)


def run_once(db: Database, deps: Deps) -> list[str]:
    """One forecast of every unit in one transaction; the units whose shortage was told now."""
    with db.uow() as uow:
        told = runway.nightly(uow, deps.ref, deps.runway, deps.clock.now())
        uow.commit()
    return told


async def every_night(db: Database, deps: Deps) -> None:
    # not at start-up: a restart, a test or the demo starting with empty calendars would alert every unit
    while True:
        await asyncio.sleep(min(deps.settings.runway_every_s, seconds_to_night(deps.clock.now())))
        try:
            told = await asyncio.to_thread(run_once, db, deps)
            if told:
                log.info("runway short at %s", ", ".join(told))
        except (IntegrityError, OperationalError) as exc:  # another replica told it first, or the database is away
            log.warning("runway forecast deferred to next night: %s", type(exc).__name__)
