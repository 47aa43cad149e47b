"""Events published by the KPI service: deviation tags, guarantee clocks at risk, and the demand forecast."""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.envelope import CASE_ID_PATTERN, Event, F, P, Payload

DEVIATIONS_TOPIC = "kpi.deviations.v1"
FORECASTS_TOPIC = "kpi.forecasts.v1"
ReportedLevel = Literal["primary_care", "bup", "contact_centre"]
ClockName = Literal["assessment_3d", "first_line_visit_7d", "bup_first_visit_30d", "care_guarantee_90d"]


class _Kpi(Event[P]):
    TOPIC: ClassVar[str] = DEVIATIONS_TOPIC
    PRODUCER: ClassVar[str] = "kpi"
    producer: Literal["kpi"] = F("Publisher.", "kpi")


class DeviationTaggedPayload(Payload):
    rule_id: str = F("Deviation rule id in the rules file.", "paper_arrival_over_3_days")
    rules_version: str = F("Version of the deviation rules file.", "2024.1")
    unit_id: str | None = F("Unit the deviation belongs to.", "hc-ersboda")
    level: ReportedLevel = F("Where it is reported.", "primary_care")
    evidence: dict[str, str] = F("The facts that made the rule fire.", {"date_written": "2022-11-10", "date_arrived": "2022-11-15"})
    tagged_at: AwareDatetime = F("When tagged.", "2022-11-16T13:20:00+01:00")


class DeviationTagged(_Kpi[DeviationTaggedPayload]):
    """A deviation about stepwise or two-level care was tagged for the steering group."""
    event_type: Literal["DeviationTagged"] = F("Event name.", "DeviationTagged")
    payload: DeviationTaggedPayload = F("The deviation.")


class GuaranteeAtRiskPayload(Payload):
    clock: ClockName = F("Which clock.", "assessment_3d")
    deadline: AwareDatetime = F("The last moment that still meets the promise.", "2022-11-17T23:59:59+01:00")
    days_left: int = F("Whole days left (0 = breaches after today).", 0)
    unit_id: str | None = F("Unit responsible, if any.", None)


class GuaranteeAtRisk(_Kpi[GuaranteeAtRiskPayload]):
    """A case's guarantee clock will breach today or tomorrow unless someone acts."""
    event_type: Literal["GuaranteeAtRisk"] = F("Event name.", "GuaranteeAtRisk")
    payload: GuaranteeAtRiskPayload = F("The clock.")


class DemandCell(Payload):
    """The expected bookable decisions of one municipality at one care level, one figure a day from `first_day`."""
    municipality: str = F("The families' municipality.", "Sorsele")
    level: Literal["primary_care", "bup", "urgent"] = F("The decided care level (a first visit is booked there).",
                                                         "primary_care")
    expected: list[float] = F("Expected decisions per day, from first_day.", [0.42, 0.38, 0.0])
    low: list[float] = F("The band's low end per day (mean − z·√mean, at least 0).", [0.0, 0.0, 0.0])
    high: list[float] = F("The band's high end per day (mean + z·√mean).", [1.48, 1.39, 0.0])


class DemandForecastPublishedPayload(Payload):
    scope: Literal["region"] = F("What the forecast covers: the whole region, one forecast at a time (the key).",
                                 "region")
    computed_at: AwareDatetime = F("When it was computed; a consumer keeps the latest and ignores older ones.",
                                   "2026-03-02T01:30:00+01:00")
    first_day: date = F("The first day forecast (Swedish time).", "2026-03-02")
    days: int = F("How many days each cell's lists cover.", 3, ge=1, le=366)
    z: float = F("The band's width in standard deviations (1.64: about 90 % of days inside).", 1.64, gt=0)
    method: Literal["seasonal", "recent_weeks"] = F(
        "seasonal: weekday and month-of-year fitted on a year or more of the KPI projection's history; "
        "recent_weeks: under a year of history, the last eight weeks' weekday level.", "seasonal")
    history_from: date = F("First day of the history fitted.", "2024-03-03")
    history_to: date = F("Last day of the history fitted.", "2026-03-01")
    cells: list[DemandCell] = F("One per municipality and bookable level with any decision in the history.", [
        {"municipality": "Sorsele", "level": "primary_care", "expected": [0.42, 0.38, 0.0], "low": [0.0, 0.0, 0.0],
         "high": [1.48, 1.39, 0.0]}])


class DemandForecastPublished(_Kpi[DemandForecastPublishedPayload]):
    """The expected care-level decisions to bookable levels per municipality and day for the coming weeks, from the
    KPI projection's history (counts only, no child): booking reads its units' runway demand from it."""
    TOPIC: ClassVar[str] = FORECASTS_TOPIC
    KEY_FIELD: ClassVar[str] = "scope"
    case_id: str | None = F("Always null: the event is about the region's demand, not a child (keyed by scope).",
                            None, pattern=CASE_ID_PATTERN)
    event_type: Literal["DemandForecastPublished"] = F("Event name.", "DemandForecastPublished")
    payload: DemandForecastPublishedPayload = F("The forecast.")


EVENTS: list[type[Event]] = [DeviationTagged, GuaranteeAtRisk, DemandForecastPublished]
