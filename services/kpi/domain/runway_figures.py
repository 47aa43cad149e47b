"""The runway KPI: how often a SlotRunwayShort alert came before a NoBookableSlots at the same unit, and by how many
days (pure). One row per period (and unit with by=unit), the period being the day of the search without a time."""
from __future__ import annotations

from services.kpi.domain.periods import period_of
from services.kpi.domain.query import Dataset, Query, in_query, new_table
from services.kpi.domain.runway_alerts import AlertIndex
from services.kpi.domain.table import Table

RUNWAY_COLUMNS = ["alerts", "no_slot_occasions", "preceded_by_alert", "lead_days_total"]


def runway_alerts_figure(ds: Dataset, q: Query) -> Table:
    """`no_slot_occasions`: a unit named in a NoBookableSlots; `preceded_by_alert`: the unit had been alerted before
    (within the look-back); `lead_days_total` / `preceded_by_alert` = `mean_lead_days`; `alerts`: alerts told."""
    t = new_table("runway_alerts", q, RUNWAY_COLUMNS, (), {"share_preceded": ("preceded_by_alert", "no_slot_occasions"),
                                                          "mean_lead_days": ("lead_days_total", "preceded_by_alert")})
    keys = set(t.periods)
    index = AlertIndex(ds.alerts)
    for told in index.by_unit.values():
        for a in told:
            told_in = period_of(a.day, q.grain)
            if told_in in keys and q.start <= a.day <= min(q.end, q.today) and (not q.unit or a.unit == q.unit):
                t.add(told_in, a.unit if q.by else None, {"alerts": 1})
    for v in ds.views:
        for ns in v.facts.get("noslots", {}).values():
            key = in_query(q, ns["at"], keys)
            if key is None:
                continue
            for unit in ns["units"]:
                if q.unit and unit != q.unit:
                    continue
                lead = index.lead_days(unit, ns["at"])
                t.add(key, unit if q.by else None, {"no_slot_occasions": 1, "preceded_by_alert": int(lead is not None),
                                                    "lead_days_total": lead or 0})
    return t

