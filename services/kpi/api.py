"""HTTP API of the kpi service: every chart's figures as JSON and CSV, the quarterly report, the clock board."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi import Path as P
from fastapi import Query as Q
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlmodel import Session

from contracts.common import MUNICIPALITIES
from services.chassis.auth import Staff, require
from services.chassis.errors import DomainError, field_error
from services.chassis.runtime import ServiceRuntime
from services.kpi.domain.clocks import board
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import BASES, Definitions, RuleSet
from services.kpi.domain.equal_care import equal_care
from services.kpi.domain.figures import DIMENSIONS, FIGURES, SHARE_OF_BASIS, Dataset, Query, compute
from services.kpi.domain.national import COLUMNS, month_key, national_csv, national_report
from services.kpi.domain.periods import GRAINS, bounds
from services.kpi.domain.report import deviations_figure
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView
from services.kpi.printable import quarterly_html
from services.kpi.projection import data_span, input_counts, known_units, load_calls, load_cases

FIGURE_ROLES = ("kpi_analyst", "kc_head", "unit_head", "coordinator", "ops")
BOARD_ROLES = ("kc_head", "coordinator", "unit_head", "clinician", "kpi_analyst")
BASIS_TEXT = {
    "cohort": {"sv": "Kontaktkohort: klockor som startade i perioden", "en": "Contact cohort: clocks started in the period",
               "share": "share_met_cohort"},
    "completed": {"sv": "Genomförda: klockor som avslutades i perioden", "en": "Completed: clocks ended in the period",
                  "share": "share_met"},
}


def _date(name: str, value: str | None, default: date, errors: list[dict[str, str]]) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    except ValueError:
        errors.append(field_error(name, "Ange ett datum (ÅÅÅÅ-MM-DD) eller en månad (ÅÅÅÅ-MM).",
                                  "Give a date (YYYY-MM-DD) or a month (YYYY-MM).", "date_parsing"))
        return default


def build_query(today: date, start: str | None, end: str | None, grain: str, municipality: str | None,
                unit: str | None, sex: str | None, by: str | None, allowed_by: tuple[str, ...] = DIMENSIONS) -> Query:
    """Query parameters checked field by field; every problem is reported at once."""
    errors: list[dict[str, str]] = []
    if grain not in GRAINS:
        errors.append(field_error("grain", "Period ska vara month, quarter eller year.",
                                  "grain must be month, quarter or year.", "enum"))
    if by and by not in allowed_by:
        errors.append(field_error("by", f"Uppdelning ska vara en av {', '.join(allowed_by)}.",
                                  f"by must be one of {', '.join(allowed_by)}.", "enum"))
    if sex and sex not in ("female", "male", "other", "unknown"):
        errors.append(field_error("sex", "Kön ska vara female, male, other eller unknown.",
                                  "sex must be female, male, other or unknown.", "enum"))
    q_start = _date("from", start, date(today.year - 1, today.month, 1), errors)
    q_end = _date("to", end, today, errors)
    if end and len(end) <= 7 and not errors:
        q_end = bounds(f"{q_end.year}-{q_end.month:02d}")[1]  # a month given as "to" means its last day
    if q_start > q_end:
        errors.append(field_error("from", "Startdatum ligger efter slutdatum.", "from is after to.", "range"))
    if errors:
        raise DomainError(errors)
    return Query(q_start, q_end, today, grain, municipality or None, unit or None, sex or None, by or None)


def to_csv(t: Table, suppress_below: int) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=t.header(), lineterminator="\n")
    w.writeheader()
    for row in t.rows(suppress_below):
        w.writerow({k: ("<" + str(suppress_below) if v is None and k in t.child_columns else v)
                    for k, v in row.items()})
    return buf.getvalue()


def equal_care_csv(rows: list[dict[str, Any]], by: str, suppress_below: int) -> str:
    buf = io.StringIO()
    cols = [c for c in rows[0] if c != "suppressed"] if rows else [by]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow({k: (f"<{suppress_below}" if k in row["suppressed"] else v) for k, v in row.items()})
    return buf.getvalue()


def respond(t: Table, q: Query, fmt: str, suppress: bool, meta: dict[str, Any], defs: Definitions) -> Any:
    if fmt not in ("json", "csv"):
        raise DomainError([field_error("format", "Format ska vara json eller csv.", "format must be json or csv.",
                                       "enum")])
    if fmt == "csv":  # an export: small cells always suppressed
        return PlainTextResponse(to_csv(t, defs.suppress_below), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{t.figure}.csv"'})
    return {"figure": t.figure, **meta, "grain": q.grain, "from": str(q.start), "to": str(q.end),
            "filters": {"municipality": q.municipality, "unit": q.unit, "sex": q.sex, "by": q.by},
            "columns": t.header(), "suppressed_below": defs.suppress_below if suppress else None,
            "rows": t.rows(defs.suppress_below if suppress else 0)}


def build_api(rt: ServiceRuntime, defs: Definitions, rules: RuleSet) -> APIRouter:
    api = APIRouter(prefix="/api/kpi", tags=["kpi"])

    def dataset(q: Query, figure: str = "") -> Dataset:
        """Only the cases (or, for the phone figure, the calls) whose active window overlaps the period asked
        for (domain/window.py): the cost follows the period, not the years of history."""
        with Session(rt.db.engine) as s:
            if figure == "calls":
                return Dataset([], load_calls(s, q.start, q.end), defs)
            if figure == "calls_and_cases":
                return Dataset(load_cases(s, q.start, q.end), load_calls(s, q.start, q.end), defs)
            return Dataset(load_cases(s, q.start, q.end), [], defs)

    def today() -> date:
        return local_date(rt.clock.now())

    def meta(figure: str) -> dict[str, Any]:
        m = defs.measures.get(figure)
        if m:
            return {"title_sv": m.title_sv, "title_en": m.title_en, "target": m.target, "limit_days": m.limit_days,
                    "basis": m.basis, "share_column": SHARE_OF_BASIS[m.basis],
                    "bases": {b: BASIS_TEXT[b] for b in BASES}}
        if figure == "calls":
            return {"target": defs.targets.get("calls_answered"),
                    "offered_includes_queue_full": defs.offered_includes_queue_full}
        return {"target": None}

    @api.get("/figures", summary="The figures available, with titles and targets.")
    def figures(staff: Staff = require(*FIGURE_ROLES)) -> dict[str, Any]:
        names = [*defs.measures, *FIGURES, "deviations"]
        with Session(rt.db.engine) as s:
            units = known_units(s, today() - timedelta(days=366), today())
            first, last = data_span(s)
        return {"definitions_version": defs.version, "rules_version": rules.version, "today": str(today()),
                "figures": {n: meta(n) for n in names}, "dimensions": list(DIMENSIONS),
                "municipalities": list(MUNICIPALITIES), "units": units,
                "data_from": str(first) if first else None, "data_to": str(last) if last else None}

    @api.get("/figures/deviations", summary="Deviations per period (and unit), one column per rule.")
    def deviations(start: str | None = Q(None, alias="from"), end: str | None = Q(None, alias="to"),
                   grain: str = "quarter", municipality: str | None = None, unit: str | None = None,
                   sex: str | None = None, by: str | None = None, format: str = "json", suppress: bool = False,
                   staff: Staff = require(*FIGURE_ROLES)) -> Any:
        q = build_query(today(), start, end, grain, municipality, unit, sex, by, ("unit",))
        titles = {r.id: {"sv": r.title_sv, "en": r.title_en} for r in rules.rules}
        return respond(deviations_figure(dataset(q), q, rules), q, format, suppress,
                       {"rules_version": rules.version, "rules": titles}, defs)

    @api.get("/figures/{figure}", summary="One figure per period: JSON for charts, CSV (suppressed) for export.")
    def figure(figure: str, start: str | None = Q(None, alias="from"), end: str | None = Q(None, alias="to"),
               grain: str = "month", municipality: str | None = None, unit: str | None = None,
               sex: str | None = None, by: str | None = None, format: str = "json", suppress: bool = False,
               staff: Staff = require(*FIGURE_ROLES)) -> Any:
        if figure not in defs.measures and figure not in FIGURES:
            raise DomainError([field_error("figure", f"Okänt mått: {figure}.", f"Unknown figure: {figure}.",
                                           "not_found")], status=404)
        allowed = ("question", "intervention", "unit") if figure == "collaborations" else \
            ("line",) if figure == "calls" else DIMENSIONS
        q = build_query(today(), start, end, grain, municipality, unit, sex, by, allowed)
        return respond(compute(dataset(q, figure), q, figure), q, format, suppress, meta(figure), defs)

    @api.get("/equal-care", summary="Equal care side by side: every municipality (or sex) over the period, small cells suppressed.")
    def equal(start: str | None = Q(None, alias="from"), end: str | None = Q(None, alias="to"),
              by: str = "municipality", basis: str | None = None, unit: str | None = None, format: str = "json",
              staff: Staff = require(*FIGURE_ROLES)) -> Any:
        q = build_query(today(), start, end, "month", None, unit, None, by, ("municipality", "sex"))
        if basis and basis not in BASES:
            raise DomainError([field_error("basis", "Bas ska vara cohort eller completed.",
                                           "basis must be cohort or completed.", "enum")])
        values = list(MUNICIPALITIES) if by == "municipality" else ["female", "male"]
        rows = equal_care(dataset(q), q, by, values, basis, defs.suppress_below)
        if format == "csv":
            return PlainTextResponse(equal_care_csv(rows, by, defs.suppress_below), media_type="text/csv; charset=utf-8",
                                     headers={"Content-Disposition": f'attachment; filename="equal_care_{by}.csv"'})
        if format != "json":
            raise DomainError([field_error("format", "Format ska vara json eller csv.", "format must be json or csv.",
                                           "enum")])
        return {"figure": "equal_care", "by": by, "from": str(q.start), "to": str(q.end),
                "basis": basis or defs.measures["assessment_3d"].basis, "suppressed_below": defs.suppress_below,
                "targets": {m: defs.measures[m].target for m in ("assessment_3d", "first_line_visit_7d",
                                                                 "bup_first_visit_30d")},
                "rows": rows}

    @api.get("/reports/national/{month}", summary="The national monthly waiting-times report for one month (CSV or JSON).",
             responses={200: {"content": {"text/csv": {}}, "description": "CSV (default) or JSON with format=json."}})
    def national(month: str = P(pattern=r"^\d{4}-\d{2}$", description="The month, YYYY-MM.", examples=["2023-03"]),
                 format: Literal["csv", "json"] = "csv", staff: Staff = require(*FIGURE_ROLES)) -> Any:
        if month_key(month) is None:
            raise DomainError([field_error("month", "Månad anges som ÅÅÅÅ-MM.", "Month is YYYY-MM.", "pattern",
                                           "path")])
        first, last = bounds(month)
        q = Query(first, last, today())
        rows = national_report(dataset(q, "calls_and_cases"), month)
        if format == "json":
            return {"report": "national_waiting_times", "month": month, "definitions_version": defs.version,
                    "columns": COLUMNS, "rows": rows}
        return PlainTextResponse(national_csv(rows), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="national_{month}.csv"'})

    @api.get("/reports/quarterly/{quarter}", summary="Deviations per unit and rule for one quarter (CSV or print).",
             response_class=HTMLResponse, responses={200: {"content": {"text/csv": {}}, "description":
                                                          "A printable HTML page, or CSV with format=csv."}})
    def quarterly(quarter: str = P(pattern=r"^\d{4}-Q[1-4]$", description="The quarter, YYYY-Qn.",
                                   examples=["2023-Q1"]),
                  format: Literal["html", "csv"] = "html", staff: Staff = require(*FIGURE_ROLES)) -> Any:
        try:
            first, last = bounds(quarter)
        except (ValueError, OverflowError):
            raise DomainError([field_error("quarter", "Kvartal anges som ÅÅÅÅ-Qn.", "Quarter is YYYY-Qn.",
                                           "pattern")]) from None
        q = Query(first, last, today(), "quarter", by="unit")
        t = deviations_figure(dataset(q), q, rules)
        if format == "csv":
            return respond(t, q, "csv", True, {}, defs)
        return HTMLResponse(quarterly_html(quarter, t, rules, defs.suppress_below))

    @api.get("/clocks", summary="Open guarantee clocks that breach today or tomorrow, and counts already breached (audited).")
    def clocks(horizon_days: int = Q(1, ge=0, le=30), municipality: str | None = None, unit: str | None = None,
               staff: Staff = require(*BOARD_ROLES)) -> dict[str, Any]:
        now_day = today()
        with Session(rt.db.engine) as s:  # clocks still running, or visits still to come
            views = [CaseView(k, f) for k, f in load_cases(s, start=now_day)]
        items = board(views, defs.measures.values(), now_day, horizon_days)
        items = [c for c in items if (not municipality or c.municipality == municipality)
                 and (not unit or c.unit_id == unit)]
        breached = Counter(c.clock for c in items if c.days_left < 0)
        items = [c for c in items if c.days_left >= 0]  # the board is for what can still be saved
        # a row per child on the board (the KPI store keeps case ids only, no patient reference)
        rt.audit.children(staff, "read-guarantee-clocks", [(c.case_id, None) for c in items],
                          detail=f"{len(items)} clocks")
        return {"today": str(now_day), "horizon_days": horizon_days, "breached": dict(breached), "clocks": [
            {"case_id": c.case_id, "clock": c.clock, "started": str(c.started), "deadline": str(c.deadline),
             "days_left": c.days_left, "unit_id": c.unit_id,
             "booked_for": str(c.booked_for) if c.booked_for else None} for c in items]}

    @api.get("/input", summary="Defined outcomes for bad input: unknown cases, out of order, dead-lettered.")
    def input_outcomes(staff: Staff = require("ops", "kpi_analyst")) -> dict[str, Any]:
        with Session(rt.db.engine) as s:
            counts = input_counts(s)
        group_stats = rt.consumers.stats
        return {"projection": counts, "dead_lettered_by_reason": dict(getattr(rt.dead_letters, "reasons", {})),
                "duplicates": sum(group_stats.duplicates.values()), "applied": sum(group_stats.applied.values())}

    return api

