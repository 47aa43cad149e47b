"""The runway KPI on hand-made event sequences: an alert before a search without a time at the same unit counts
as preceded, with its lead in days; an alert after it, at another unit or too long before does not."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.kpi.domain.figures import Dataset, Query, compute
from services.kpi.domain.runway_alerts import LOOKBACK_DAYS, alert_of
from tests.unit.kpi.builders import CaseBuilder, at, runway_short
from tests.unit.kpi.helpers import DEFS, fold


def runway_rows(events: list[dict[str, Any]], start: str, end: str, **kw: Any) -> list[dict[str, Any]]:
    cases, calls = fold(events)
    alerts = [a for d in events if (a := alert_of(d)) is not None]
    q = Query(date.fromisoformat(start), date.fromisoformat(end), date.fromisoformat(end), **kw)
    return compute(Dataset(cases.items(), calls.items(), DEFS, alerts), q, "runway_alerts").rows()


def by_unit(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["unit"]: r for r in runway_rows(events, "2023-03-01", "2023-03-31", by="unit")}


def test_an_alert_nine_days_before_the_search_without_a_time_is_counted_with_its_lead() -> None:
    c = CaseBuilder()
    c.no_slots(at("2023-03-15", 14), units=("hc-sorsele",))
    rows = by_unit([runway_short("hc-sorsele", at("2023-03-06", 2)), *c.events])
    r = rows["hc-sorsele"]
    assert (r["alerts"], r["no_slot_occasions"], r["preceded_by_alert"], r["lead_days_total"]) == (1, 1, 1, 9)
    assert (r["share_preceded"], r["mean_lead_days"]) == (1.0, 9.0)


def test_an_alert_after_the_search_or_at_another_unit_does_not_count() -> None:
    c = CaseBuilder()
    c.no_slots(at("2023-03-10", 9), units=("hc-sorsele", "hc-mala"))
    events = [*c.events, runway_short("hc-sorsele", at("2023-03-10", 15)), runway_short("hc-teg", at("2023-03-01", 2))]
    rows = by_unit(events)
    assert rows["hc-sorsele"]["preceded_by_alert"] == 0 and rows["hc-sorsele"]["alerts"] == 1
    assert rows["hc-mala"]["preceded_by_alert"] == 0 and rows["hc-mala"]["share_preceded"] == 0.0
    assert rows["hc-teg"]["no_slot_occasions"] == 0 and rows["hc-teg"]["share_preceded"] is None


def test_the_same_day_counts_with_lead_zero_when_the_night_came_first() -> None:
    c = CaseBuilder()
    c.no_slots(at("2023-03-10", 14), units=("hc-sorsele",))
    r = by_unit([runway_short("hc-sorsele", at("2023-03-10", 2)), *c.events])["hc-sorsele"]
    assert (r["preceded_by_alert"], r["lead_days_total"]) == (1, 0)


def test_the_latest_alert_before_counts_and_one_older_than_the_look_back_does_not() -> None:
    old, recent = CaseBuilder(), CaseBuilder()
    old.no_slots(at("2023-03-20"), units=("hc-sorsele",))
    recent.no_slots(at("2023-03-22"), units=("hc-mala",))
    events = [runway_short("hc-sorsele", at("2023-01-10", 2)),  # 69 days before: beyond the look-back
              runway_short("hc-mala", at("2023-02-01", 2)), runway_short("hc-mala", at("2023-03-18", 2)),
              *old.events, *recent.events]
    assert (date(2023, 3, 20) - date(2023, 1, 10)).days > LOOKBACK_DAYS
    rows = by_unit(events)
    assert rows["hc-sorsele"]["preceded_by_alert"] == 0
    assert (rows["hc-mala"]["preceded_by_alert"], rows["hc-mala"]["lead_days_total"]) == (1, 4)


def test_the_region_row_sums_units_and_the_order_of_the_events_does_not_matter() -> None:
    a, b = CaseBuilder(), CaseBuilder()
    a.no_slots(at("2023-03-08"), units=("hc-sorsele",))
    b.no_slots(at("2023-03-09"), units=("hc-sorsele", "hc-mala"))
    events = [runway_short("hc-sorsele", at("2023-03-03", 2)), *a.events, *b.events]
    [march] = runway_rows(events, "2023-03-01", "2023-03-31")
    assert (march["no_slot_occasions"], march["preceded_by_alert"], march["lead_days_total"]) == (3, 2, 11)
    assert march["mean_lead_days"] == 5.5 and march["share_preceded"] == round(2 / 3, 4)
    assert runway_rows(list(reversed(events)), "2023-03-01", "2023-03-31") == [march]
    only = runway_rows(events, "2023-03-01", "2023-03-31", unit="hc-mala")
    assert (only[0]["no_slot_occasions"], only[0]["preceded_by_alert"], only[0]["alerts"]) == (1, 0, 0)


def test_an_alert_carries_no_child_and_other_events_are_not_alerts() -> None:
    d = runway_short("hc-sorsele", at("2023-03-06", 2), reason="gap", last_day=date(2023, 3, 20))
    assert d["case_id"] is None
    a = alert_of(d)
    assert a is not None and (a.unit, a.day, a.reason, a.last_day) == ("hc-sorsele", date(2023, 3, 6), "gap",
                                                                        date(2023, 3, 20))
    c = CaseBuilder()
    assert alert_of(c.no_slots(at("2023-03-06"))) is None
