"""The demo's Sorsele story through booking's own events into the KPI's runway figure: the night's forecast tells
the unit without times, the next day a Sorsele family finds no time, and the KPI counts the alert as a day ahead."""
from __future__ import annotations

from datetime import date, timedelta

from services.booking.nightly import run_once
from services.booking.use_cases import placement
from services.chassis.clock import STOCKHOLM
from services.kpi.domain.figures import Dataset, Query, compute
from services.kpi.domain.runway_alerts import alert_of
from tests.unit.kpi.helpers import DEFS, fold


def test_the_nights_alert_comes_a_day_before_the_family_is_turned_away_and_the_kpi_counts_it(booking) -> None:  # type: ignore[no-untyped-def]
    booking.slot("hc-storuman", 10)  # the only time near Sorsele, beyond the 7-day promise
    assert {"hc-sorsele", "hc-storuman"} <= set(run_once(booking.rt.db, booking.app.state.deps))  # the night
    booking.clock.advance(hours=24)
    case = booking.case("C-RUNWAYSTORY1", municipality="Sorsele")  # decided the next day
    with booking.rt.db.uow() as uow:
        placement.place(uow, booking.ref, uow.session.get(type(case), case.case_id), booking.clock.now(), None)
        uow.commit()
    events = booking.events("SlotRunwayShort") + booking.events("NoBookableSlots")
    [no_slots] = booking.events("NoBookableSlots")
    assert "hc-sorsele" in {u["unit_id"] for u in no_slots["payload"]["units"]}
    cases, calls = fold(events)
    alerts = [a for d in events if (a := alert_of(d)) is not None]
    today = booking.clock.now().astimezone(STOCKHOLM).date()
    q = Query(date(today.year, today.month, 1) - timedelta(days=31), today, today, by="unit")
    rows = {r["unit"]: r for r in compute(Dataset(cases.items(), calls.items(), DEFS, alerts), q, "runway_alerts").rows()}
    sorsele = rows["hc-sorsele"]
    assert (sorsele["no_slot_occasions"], sorsele["preceded_by_alert"], sorsele["lead_days_total"]) == (1, 1, 1)
    assert all(r["preceded_by_alert"] == r["no_slot_occasions"] for r in rows.values())  # every unit it named
