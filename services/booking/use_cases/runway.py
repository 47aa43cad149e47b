"""Each unit's runway of first-visit times, on demand and every night; a short one is told once per episode."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from contracts.booking import SlotRunwayShort, SlotRunwayShortPayload
from services.booking import runway_store
from services.booking.domain.demand import expected_demand, promise_level
from services.booking.domain.forecast_demand import forecast_demand, usable
from services.booking.domain.reference import Reference, Unit
from services.booking.domain.runway import Demand, Runway, RunwayPolicy, next_episode, runway
from services.booking.domain.summer import YEAR, SummerRow, last_year_demand, summer_plan
from services.booking.runway_store import RunwayShortage
from services.chassis.clock import STOCKHOLM
from services.chassis.db import UnitOfWork

Forecast = list[tuple[Unit, Runway, Demand]]


def forecast(uow: UnitOfWork, ref: Reference, policy: RunwayPolicy, now: datetime,
             units: Sequence[Unit] | None = None) -> Forecast:
    """The runway of `units` (default: all) from their free times now and the expected demand."""
    units = list(units if units is not None else ref.units)
    today = now.astimezone(STOCKHOLM).date()
    demand = expected(uow, ref, policy, now)
    free = runway_store.free_new_visit_days(uow.session, now, [u.unit_id for u in units])
    out: Forecast = []
    for u in units:
        days = free[u.unit_id]
        need = demand[u.unit_id]
        out.append((u, runway(days, today, ref.promise_days[promise_level(u)], need, policy), need))
    return out


def expected(uow: UnitOfWork, ref: Reference, policy: RunwayPolicy, now: datetime) -> dict[str, Demand]:
    """Each unit's demand: from the KPI service's latest demand forecast while it is fresh and covers today (weekday
    and season), else from booking's own cases decided over the policy's past weeks."""
    today = now.astimezone(STOCKHOLM).date()
    row = runway_store.latest_forecast(uow.session)
    stored = row.forecast() if row else None
    if stored is not None and usable(stored, today, policy.forecast_max_age_days):
        return forecast_demand(ref, stored, today, policy.holidays)
    since = now - timedelta(weeks=policy.history_weeks, days=1)
    return expected_demand(ref, runway_store.decided_since(uow.session, since), today, policy.history_weeks,
                           policy.holidays)


def nightly(uow: UnitOfWork, ref: Reference, policy: RunwayPolicy, now: datetime) -> list[str]:
    """Forecast every unit; publish SlotRunwayShort for each unit whose shortage begins now. The units told."""
    shortages = runway_store.open_shortages(uow.session)
    told = []
    for unit, r, need in forecast(uow, ref, policy, now):
        publish, still_open = next_episode(unit.unit_id in shortages, r.short)
        if publish:
            uow.session.add(RunwayShortage(unit_id=unit.unit_id, since=r.today, last_day=r.last_day, alerted_at=now))
            uow.publish(short_event(unit, r, need, policy, now))
            told.append(unit.unit_id)
        elif not still_open and unit.unit_id in shortages:
            runway_store.close_shortage(uow.session, unit.unit_id)
    return told


def short_event(unit: Unit, r: Runway, need: Demand, policy: RunwayPolicy, now: datetime) -> SlotRunwayShort:
    if r.reason is None:
        raise ValueError(f"{unit.unit_id}: the runway is not short")
    return SlotRunwayShort.new(occurred_at=now, payload=SlotRunwayShortPayload(
        unit_id=unit.unit_id, unit_name=unit.name, level=promise_level(unit), promise_days=r.promise_days,
        computed_on=r.today, last_day=r.last_day, last_day_low=r.low, last_day_high=r.high,
        working_days=r.working_days, reason=r.reason, gap_from=r.gap.first if r.gap else None,
        gap_to=r.gap.last if r.gap else None, demand_per_day=round(need.mean, 2), policy_version=policy.version,
        head_of_unit_refs=[unit.head_of_unit], demand_source=need.source))


def summer(uow: UnitOfWork, ref: Reference, policy: RunwayPolicy, now: datetime, first: date,
           last: date) -> list[SummerRow]:
    """Each unit's expected first visits in [first, last] (the same weeks a year earlier when the history reaches
    that far, else the recent weeks' rate) against its free new-visit times, and the gap."""
    today = now.astimezone(STOCKHOLM).date()
    recent = expected_demand(ref, runway_store.decided_since(uow.session, now - timedelta(weeks=policy.history_weeks,
                                                                                          days=1)),
                             today, policy.history_weeks, policy.holidays)
    earliest = runway_store.earliest_decided(uow.session)
    last_year = None
    if earliest is not None and earliest.astimezone(STOCKHOLM).date() <= first - YEAR:
        since = datetime.combine(first - YEAR - timedelta(days=1), datetime.min.time(), STOCKHOLM)
        last_year = last_year_demand(ref, runway_store.decided_since(uow.session, since), first, last)
    days = runway_store.free_new_visit_days(uow.session, now, [u.unit_id for u in ref.units])
    return summer_plan(ref, first, last, days, recent, last_year, policy.holidays)
