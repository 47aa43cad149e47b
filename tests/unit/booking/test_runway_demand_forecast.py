"""The runway's demand from the KPI service's forecast: a school peak the recent weeks do not show shortens the runway;
the forecast is kept once (duplicates and replays change nothing, an older one arriving late does not replace a newer
one); a stale forecast gives way to booking's own recent weeks."""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timedelta

from contracts.kpi import DemandCell, DemandForecastPublished, DemandForecastPublishedPayload
from services.booking import runway_store
from services.booking.store import BookingCase
from services.chassis.clock import STOCKHOLM
from services.kpi.domain.demand_forecast import DecisionHistory, demand_forecast

PEAK = {4: 1.6, 5: 1.7, 11: 1.5, 12: 1.4, 7: 0.2}  # the schools' season, as the KPI tests' histories
BASE = 0.9  # Sorsele's families decided to primary care per weekday outside the peaks
TODAY = date(2026, 3, 2)  # the booking fixture's Monday
HISTORY_FROM = TODAY - timedelta(days=730)


def _history() -> list[int]:
    """Two years of weekday decisions at BASE times the season (carried fractions: exact monthly means)."""
    out, carry = [], 0.0
    for i in range(730):
        d = HISTORY_FROM + timedelta(days=i)
        carry += 0.0 if d.weekday() >= 5 else BASE * PEAK.get(d.month, 1.0)
        out.append(math.floor(carry))
        carry -= out[-1]
    return out


def _event(computed_at: datetime, cells: list[DemandCell]) -> DemandForecastPublished:
    day = computed_at.astimezone(STOCKHOLM).date()
    return DemandForecastPublished.new(occurred_at=computed_at, recorded_at=computed_at, payload=DemandForecastPublishedPayload(
        scope="region", computed_at=computed_at, first_day=day, days=56, z=1.64, method="seasonal",
        history_from=HISTORY_FROM, history_to=day - timedelta(days=1), cells=cells))


def _kpi_forecast(booking, counts: list[int]) -> DemandForecastPublished:  # type: ignore[no-untyped-def]
    """What the KPI service publishes from this history (its own model, services/kpi/domain/demand_forecast.py)."""
    history = DecisionHistory(HISTORY_FROM, TODAY - timedelta(days=1), {("Sorsele", "primary_care"): counts})
    cells = [DemandCell(municipality=c.municipality, level=c.level, expected=c.expected, low=c.low, high=c.high)
             for c in demand_forecast(history, TODAY, 56)]
    return _event(booking.clock.now() - timedelta(hours=7), cells)


def _setup(booking, counts: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Booking's own last eight weeks of the same history, and one Sorsele time every working day for 12 weeks."""
    with booking.rt.db.uow() as uow:
        for i, n in enumerate(counts[-56:]):
            decided = datetime.combine(TODAY - timedelta(days=56 - i), datetime.min.time(), STOCKHOLM) + timedelta(hours=14)
            for k in range(n):
                uow.session.add(BookingCase(case_id=f"C-{i:06d}{k:06d}", patient_ref="P-" + "A" * 20, age_years=9,
                                            sex="female", municipality="Sorsele", clock_start=decided,
                                            level="primary_care", decided_at=decided))
        uow.commit()
    for d in range(1, 85):
        if (TODAY + timedelta(days=d)).weekday() < 5:
            booking.slot("hc-sorsele", d + 0.05)


def _runway(booking) -> dict:  # type: ignore[no-untyped-def]
    r = booking.call("GET", "/api/units/hc-sorsele/runway", "kc_head")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_school_peak_in_the_forecast_shortens_the_runway_the_flat_recent_weeks_give(booking) -> None:  # type: ignore[no-untyped-def]
    counts = _history()
    _setup(booking, counts)
    flat = _runway(booking)
    assert flat["demand_source"] == "recent_weeks" and abs(flat["demand_per_day"] - BASE) < 0.1
    assert booking.rt.consumers.deliver("booking.forecasts", _kpi_forecast(booking, counts))
    peak = _runway(booking)
    assert peak["demand_source"] == "kpi_forecast"
    # one time a working day: enough for 0.9 families, not for April's 1.44; the flat estimate sees no end before
    # the calendar's, the forecast sees the queue outgrow the 7-day promise in April
    assert date.fromisoformat(peak["last_day"]) < date.fromisoformat(flat["last_day"]) - timedelta(days=14)
    assert date(2026, 4, 1) < date.fromisoformat(peak["last_day"]) < date(2026, 4, 27)
    assert peak["short"] is False  # still more than ten working days: no alert yet, but the end is in sight
    booking.clock.at = booking.clock.now() + timedelta(days=8)  # a week without a new forecast: too old to read
    assert _runway(booking)["demand_source"] == "recent_weeks"


def test_the_nights_alert_says_which_demand_it_read(booking) -> None:  # type: ignore[no-untyped-def]
    for d in (1, 2, 3):
        booking.slot("hc-sorsele", d + 0.05)
    cell = DemandCell(municipality="Sorsele", level="primary_care", expected=[1.0] * 56, low=[0.0] * 56,
                      high=[2.64] * 56)
    booking.rt.consumers.deliver("booking.forecasts", _event(booking.clock.now() - timedelta(hours=7), [cell]))
    assert booking.call("POST", "/api/runway/forecast", "ops").json()["told"].count("hc-sorsele") == 1
    [alert] = [e for e in booking.events("SlotRunwayShort") if e["payload"]["unit_id"] == "hc-sorsele"]
    assert alert["payload"]["demand_source"] == "kpi_forecast"


def test_duplicates_and_replays_of_a_forecast_change_nothing_and_an_older_one_arriving_late_is_ignored(booking) -> None:  # type: ignore[no-untyped-def]
    busy = DemandCell(municipality="Sorsele", level="primary_care", expected=[3.0] * 56, low=[0.2] * 56,
                      high=[5.8] * 56)
    newer = _event(booking.clock.now() - timedelta(hours=7), [busy])
    older = _event(booking.clock.now() - timedelta(days=1, hours=7), [])
    consumers = booking.rt.consumers
    assert consumers.deliver("booking.forecasts", newer) is True
    assert consumers.deliver("booking.forecasts", newer) is False  # the inbox: the same event once
    replayed = newer.model_copy(update={"event_id": uuid.uuid4()})
    assert consumers.deliver("booking.forecasts", replayed) is True  # a new id, the same computation ...
    assert consumers.deliver("booking.forecasts", older) is True  # ... and an older one: both applied, neither kept
    ragged = _event(booking.clock.now(), [busy.model_copy(update={"high": [5.8] * 55})])
    assert consumers.deliver("booking.forecasts", ragged) is True  # applied, but a day short: not kept
    with booking.rt.db.uow() as uow:
        row = runway_store.latest_forecast(uow.session)
        assert row is not None and row.event_id == str(newer.event_id)
        assert row.computed_at == newer.payload.computed_at and row.cells[0]["expected"][0] == 3.0
    for d in range(1, 60):
        booking.slot("hc-sorsele", d + 0.05)
    r = _runway(booking)
    # the newer forecast's three a day (weekends' and holidays' carried to the next working day), not the older's none
    assert r["demand_source"] == "kpi_forecast" and r["demand_per_day"] >= 3.0
