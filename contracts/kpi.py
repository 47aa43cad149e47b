"""Events published by the KPI service: deviation tags and guarantee clocks at risk."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.envelope import Event, F, P, Payload

DEVIATIONS_TOPIC = "kpi.deviations.v1"
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


EVENTS: list[type[Event]] = [DeviationTagged, GuaranteeAtRisk]
