"""Expected first-visit demand per unit and working day, from the cases decided over the past weeks."""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from services.booking.domain.offers import is_bookable, unit_level
from services.booking.domain.reference import PromiseLevel, Reference, Unit
from services.booking.domain.runway import WEEKDAYS, Demand, is_working_day
from services.chassis.clock import STOCKHOLM

Decided = tuple[str, str, datetime]  # (the family's municipality, the decided level, when)


def promise_level(unit: Unit) -> PromiseLevel:
    """The promise a unit's first visits are measured against: 30 days at BUP, 7 in the first line."""
    return "bup" if unit.level == "specialist" else "primary_care"


def units_for(ref: Reference, municipality: str, level: str) -> list[Unit]:
    """Where a case's first visit is expected to land: the units of its level in the family's municipality,
    else in a neighbouring one, else anywhere in the county (shared equally among them)."""
    units = [u for u in ref.units if u.level == unit_level(level)]
    home = [u for u in units if u.municipality == municipality]
    near = [u for u in units if u.municipality in ref.neighbours.get(municipality, ())]
    return home or near or units


def expected_demand(ref: Reference, decided: Iterable[Decided], today: date, weeks: int,
                    holidays: Sequence[date] = ()) -> dict[str, Demand]:
    """Each unit's demand: the mean per weekday and the spread of its daily counts over the working days of the
    `weeks` before today."""
    days = [today - timedelta(days=i) for i in range(1, 7 * weeks + 1)]
    days = [d for d in days if is_working_day(d, holidays)]
    counts: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for municipality, level, at in decided:
        if not is_bookable(level):
            continue
        day = at.astimezone(STOCKHOLM).date()
        units = units_for(ref, municipality, level)
        for u in units:
            counts[u.unit_id][day] += 1 / len(units)
    return {u.unit_id: _demand([counts[u.unit_id].get(d, 0.0) for d in days], days) for u in ref.units}


def _demand(values: list[float], days: list[date]) -> Demand:
    if not days:
        return Demand.flat(0.0)
    sums, ns = [0.0] * WEEKDAYS, [0] * WEEKDAYS
    for v, d in zip(values, days, strict=True):
        sums[d.weekday()] += v
        ns[d.weekday()] += 1
    means = tuple(s / n if n else 0.0 for s, n in zip(sums, ns, strict=True))
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    return Demand(means, sd)
