"""The KPI service's demand forecast arriving: kept when it is newer than the one stored (replays, duplicates and
late older ones change nothing)."""
from __future__ import annotations

import logging
from datetime import datetime

from contracts.kpi import DemandForecastPublished
from services.booking import runway_store
from services.booking.domain.forecast_demand import newer
from services.booking.runway_store import DemandForecastRow
from services.chassis.db import UnitOfWork

log = logging.getLogger("kontakt.booking.runway")


def keep_forecast(event: DemandForecastPublished, uow: UnitOfWork, now: datetime) -> bool:
    """Store the forecast if it was computed after the stored one; whether it was stored."""
    p = event.payload
    if any(len(c.expected) != p.days or len(c.high) != p.days for c in p.cells):
        log.warning("demand forecast %s ignored: a cell's days differ from its %d", event.event_id, p.days)
        return False  # the runway would misread it: the recent weeks serve until a whole one arrives
    row = runway_store.latest_forecast(uow.session, p.scope)
    if not newer(row.computed_at if row else None, p.computed_at):
        return False
    row = row or DemandForecastRow(scope=p.scope, computed_at=p.computed_at, first_day=p.first_day, days=p.days,
                                   z=p.z, method=p.method, event_id=str(event.event_id), received_at=now)
    row.computed_at, row.first_day, row.days, row.z, row.method = (p.computed_at, p.first_day, p.days, p.z,
                                                                    p.method)
    row.cells = [c.model_dump(mode="json", include={"municipality", "level", "expected", "high"}) for c in p.cells]
    row.event_id, row.received_at = str(event.event_id), now
    uow.session.add(row)
    return True
