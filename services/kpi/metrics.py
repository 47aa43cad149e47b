"""KPI gauges for Prometheus: current-month shares, clocks at risk, deviations, defined bad-input outcomes."""
from __future__ import annotations

from collections import Counter

from sqlmodel import Session

from services.chassis.clock import Clock
from services.chassis.db import Database
from services.kpi.domain.clocks import board
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import Definitions
from services.kpi.domain.figures import Dataset, Query, measure_figure
from services.kpi.store import queries


def kpi_metrics_text(db: Database, clock: Clock, defs: Definitions, dead_letters: Counter[str]) -> str:
    """`dead_letters`: dead-lettered input counted by reason, reported beside the projection's own outcomes."""
    today = local_date(clock.now())
    with Session(db.engine) as s:
        month = today.replace(day=1)
        ds = Dataset(queries.load_cases(s, month, today), queries.load_calls(s, month, today), defs)
        counts = queries.input_counts(s)
        known = queries.cases_by_known(s)
        tagged = queries.tagged_per_rule(s)
        alerts = queries.alerts_raised(s)
    lines = ["# TYPE kontakt_kpi_cases gauge"]
    lines += [f'kontakt_kpi_cases{{known="{str(k).lower()}"}} {n}' for k, n in known]
    lines.append("# TYPE kontakt_kpi_input_total counter")
    reasons = Counter(counts) + Counter(dead_letters)
    lines += [f'kontakt_kpi_input_total{{outcome="{o}"}} {n}' for o, n in sorted(reasons.items())]
    lines.append("# TYPE kontakt_kpi_deviations_tagged_total counter")
    lines += [f'kontakt_kpi_deviations_tagged_total{{rule="{r}"}} {n}' for r, n in tagged]
    lines += ["# TYPE kontakt_kpi_alerts_raised_total counter", f"kontakt_kpi_alerts_raised_total {alerts}"]
    at_risk: Counter[str] = Counter(c.clock for c in board(ds.views, defs.measures.values(), today, defs.at_risk_days))
    lines.append("# TYPE kontakt_kpi_clocks_at_risk gauge")
    lines += [f'kontakt_kpi_clocks_at_risk{{clock="{m}"}} {at_risk.get(m, 0)}' for m in defs.measures]
    q = Query(today.replace(day=1), today, today, "month")
    lines.append("# TYPE kontakt_kpi_share_met gauge")
    lines.append("# TYPE kontakt_kpi_waiting gauge")
    for m in defs.measures:
        rows = measure_figure(ds, q, m).rows()
        row = rows[-1] if rows else {}
        if row.get("share_met") is not None:
            lines.append(f'kontakt_kpi_share_met{{measure="{m}",period="month"}} {row["share_met"]}')
        lines.append(f'kontakt_kpi_waiting{{measure="{m}"}} {row.get("waiting", 0) or 0}')
    return "\n".join(lines) + "\n"
