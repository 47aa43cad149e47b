"""HTTP API of the kpi service: every chart's figures as JSON and CSV, the quarterly report, the clock board."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi import Path as P
from fastapi import Query as Q
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlmodel import Session

from contracts.common import MUNICIPALITIES
from services.chassis.auth import Staff, require
from services.chassis.refusal import Refusal, Refused
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.kpi.deps import Deps
from services.kpi.domain.clocks import board
from services.kpi.domain.contact_figures import RETURN_DIMENSIONS
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import BASES, Definitions
from services.kpi.domain.equal_care import equal_care
from services.kpi.domain.exports import equal_care_csv, to_csv
from services.kpi.domain.figures import DIMENSIONS, FIGURES, SHARE_OF_BASIS, Dataset, Query, compute
from services.kpi.domain.national import COLUMNS, month_key, national_csv, national_report
from services.kpi.domain.periods import bounds
from services.kpi.domain.printable import quarterly_html
from services.kpi.domain.report import deviations_figure
from services.kpi.domain.table import Table
from services.kpi.domain.views import CaseView
from services.kpi.forms import FORMAT_REFUSAL, build_query, check_basis, check_format
from services.kpi.store import queries

FIGURE_ROLES = ("kpi_analyst", "kc_head", "unit_head", "coordinator", "ops")
BOARD_ROLES = ("kc_head", "coordinator", "unit_head", "clinician", "kpi_analyst")
BASIS_TEXT = {
    "cohort": {"sv": "Kontaktkohort: klockor som startade i perioden", "en": "Contact cohort: clocks started in the period",
               "share": "share_met_cohort"},
    "completed": {"sv": "Genomförda: klockor som avslutades i perioden", "en": "Completed: clocks ended in the period",
                  "share": "share_met"},
}


def deps_of(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
ServiceDeps = Annotated[Deps, Depends(deps_of)]
router = APIRouter(prefix="/api/kpi", tags=["kpi"])


def _today(deps: Deps) -> date:
    return local_date(deps.clock.now())


def _dataset(rt: ServiceRuntime, deps: Deps, q: Query, figure: str = "") -> Dataset:
    """Only the cases (or, for the phone figure, the calls) whose active window overlaps the period asked
    for (domain/window.py): the cost follows the period, not the years of history."""
    with Session(rt.db.engine) as s:
        if figure == "calls":
            return Dataset([], queries.load_calls(s, q.start, q.end), deps.defs)
        if figure == "calls_and_cases":
            return Dataset(queries.load_cases(s, q.start, q.end), queries.load_calls(s, q.start, q.end), deps.defs)
        return Dataset(queries.load_cases(s, q.start, q.end), [], deps.defs)


def _meta(defs: Definitions, figure: str) -> dict[str, Any]:
    m = defs.measures.get(figure)
    if m:
        return {"title_sv": m.title_sv, "title_en": m.title_en, "target": m.target, "limit_days": m.limit_days,
                "basis": m.basis, "share_column": SHARE_OF_BASIS[m.basis], "bases": {b: BASIS_TEXT[b] for b in BASES}}
    if figure == "calls":
        return {"target": defs.targets.get("calls_answered"),
                "offered_includes_queue_full": defs.offered_includes_queue_full}
    return {"target": None}


def _csv(text: str, filename: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def respond(t: Table, q: Query, fmt: str, suppress: bool, meta: dict[str, Any], defs: Definitions) -> Any:
    check_format(fmt)
    if fmt == "csv":  # an export: small cells always suppressed
        return _csv(to_csv(t, defs.suppress_below), f"{t.figure}.csv")
    return {"figure": t.figure, **meta, "grain": q.grain, "from": str(q.start), "to": str(q.end),
            "filters": {"municipality": q.municipality, "unit": q.unit, "sex": q.sex, "by": q.by},
            "columns": t.header(), "suppressed_below": defs.suppress_below if suppress else None,
            "rows": t.rows(defs.suppress_below if suppress else 0)}


@router.get("/figures", summary="The figures available, with titles and targets.")
def figures(rt: Runtime, deps: ServiceDeps, staff: Staff = require(*FIGURE_ROLES)) -> dict[str, Any]:
    defs, today = deps.defs, _today(deps)
    names = [*defs.measures, *FIGURES, "deviations"]
    with Session(rt.db.engine) as s:
        units = queries.known_units(s, today - timedelta(days=366), today)
        first, last = queries.data_span(s)
    return {"definitions_version": defs.version, "rules_version": deps.rules.version, "today": str(today),
            "figures": {n: _meta(defs, n) for n in names}, "dimensions": list(DIMENSIONS),
            "municipalities": list(MUNICIPALITIES), "units": units,
            "data_from": str(first) if first else None, "data_to": str(last) if last else None}


@router.get("/figures/deviations", summary="Deviations per period (and unit), one column per rule.")
def deviations(rt: Runtime, deps: ServiceDeps, start: str | None = Q(None, alias="from"),
               end: str | None = Q(None, alias="to"), grain: str = "quarter", municipality: str | None = None,
               unit: str | None = None, sex: str | None = None, by: str | None = None, format: str = "json",
               suppress: bool = False, staff: Staff = require(*FIGURE_ROLES)) -> Any:
    q = build_query(_today(deps), start, end, grain, municipality, unit, sex, by, ("unit",))
    titles = {r.id: {"sv": r.title_sv, "en": r.title_en} for r in deps.rules.rules}
    return respond(deviations_figure(_dataset(rt, deps, q), q, deps.rules), q, format, suppress,
                   {"rules_version": deps.rules.version, "rules": titles}, deps.defs)


@router.get("/figures/{figure}", summary="One figure per period: JSON for charts, CSV (suppressed) for export.")
def figure(figure: str, rt: Runtime, deps: ServiceDeps, start: str | None = Q(None, alias="from"),
           end: str | None = Q(None, alias="to"), grain: str = "month", municipality: str | None = None,
           unit: str | None = None, sex: str | None = None, by: str | None = None, format: str = "json",
           suppress: bool = False, staff: Staff = require(*FIGURE_ROLES)) -> Any:
    if figure not in deps.defs.measures and figure not in FIGURES:
        raise Refused(Refusal("figure", "not_found", f"Okänt mått: {figure}.", f"Unknown figure: {figure}.", 404))
    allowed = ("question", "intervention", "unit") if figure == "collaborations" else \
        ("line",) if figure == "calls" else (*RETURN_DIMENSIONS, *DIMENSIONS) if figure == "returned_referrals" \
        else DIMENSIONS
    q = build_query(_today(deps), start, end, grain, municipality, unit, sex, by, allowed)
    return respond(compute(_dataset(rt, deps, q, figure), q, figure), q, format, suppress, _meta(deps.defs, figure),
                   deps.defs)


@router.get("/equal-care", summary="Equal care side by side: every municipality (or sex) over the period, small cells suppressed.")
def equal(rt: Runtime, deps: ServiceDeps, start: str | None = Q(None, alias="from"),
          end: str | None = Q(None, alias="to"), by: str = "municipality", basis: str | None = None,
          unit: str | None = None, format: str = "json", staff: Staff = require(*FIGURE_ROLES)) -> Any:
    defs = deps.defs
    q = build_query(_today(deps), start, end, "month", None, unit, None, by, ("municipality", "sex"))
    check_basis(basis)
    values = list(MUNICIPALITIES) if by == "municipality" else ["female", "male"]
    rows = equal_care(_dataset(rt, deps, q), q, by, values, basis, defs.suppress_below)
    if format == "csv":
        return _csv(equal_care_csv(rows, by, defs.suppress_below), f"equal_care_{by}.csv")
    if format != "json":
        raise Refused(FORMAT_REFUSAL)
    return {"figure": "equal_care", "by": by, "from": str(q.start), "to": str(q.end),
            "basis": basis or defs.measures["assessment_3d"].basis, "suppressed_below": defs.suppress_below,
            "targets": {m: defs.measures[m].target for m in ("assessment_3d", "first_line_visit_7d",
                                                             "bup_first_visit_30d")},
            "rows": rows}


@router.get("/reports/national/{month}", summary="The national monthly waiting-times report for one month (CSV or JSON).",
            responses={200: {"content": {"text/csv": {}}, "description": "CSV (default) or JSON with format=json."}})
def national(rt: Runtime, deps: ServiceDeps,
             month: str = P(pattern=r"^\d{4}-\d{2}$", description="The month, YYYY-MM.", examples=["2023-03"]),
             format: Literal["csv", "json"] = "csv", staff: Staff = require(*FIGURE_ROLES)) -> Any:
    if month_key(month) is None:
        raise Refused(Refusal("month", "pattern", "Månad anges som ÅÅÅÅ-MM.", "Month is YYYY-MM.", location="path"))
    first, last = bounds(month)
    rows = national_report(_dataset(rt, deps, Query(first, last, _today(deps)), "calls_and_cases"), month)
    if format == "json":
        return {"report": "national_waiting_times", "month": month, "definitions_version": deps.defs.version,
                "columns": COLUMNS, "rows": rows}
    return _csv(national_csv(rows), f"national_{month}.csv")


@router.get("/reports/quarterly/{quarter}", summary="Deviations per unit and rule for one quarter (CSV or print).",
            response_class=HTMLResponse, responses={200: {"content": {"text/csv": {}}, "description":
                                                         "A printable HTML page, or CSV with format=csv."}})
def quarterly(rt: Runtime, deps: ServiceDeps,
              quarter: str = P(pattern=r"^\d{4}-Q[1-4]$", description="The quarter, YYYY-Qn.", examples=["2023-Q1"]),
              format: Literal["html", "csv"] = "html", staff: Staff = require(*FIGURE_ROLES)) -> Any:
    try:
        first, last = bounds(quarter)
    except (ValueError, OverflowError):
        raise Refused(Refusal("quarter", "pattern", "Kvartal anges som ÅÅÅÅ-Qn.", "Quarter is YYYY-Qn.")) from None
    q = Query(first, last, _today(deps), "quarter", by="unit")
    t = deviations_figure(_dataset(rt, deps, q), q, deps.rules)
    if format == "csv":
        return respond(t, q, "csv", True, {}, deps.defs)
    return HTMLResponse(quarterly_html(quarter, t, deps.rules, deps.defs.suppress_below))


@router.get("/clocks", summary="Open guarantee clocks that breach today or tomorrow, and counts already breached (audited).")
def clocks(rt: Runtime, deps: ServiceDeps, horizon_days: int = Q(1, ge=0, le=30), municipality: str | None = None,
           unit: str | None = None, staff: Staff = require(*BOARD_ROLES)) -> dict[str, Any]:
    now_day = _today(deps)
    with Session(rt.db.engine) as s:  # clocks still running, or visits still to come
        views = [CaseView(k, f) for k, f in queries.load_cases(s, start=now_day)]
    items = board(views, deps.defs.measures.values(), now_day, horizon_days)
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


@router.get("/input", summary="Defined outcomes for bad input: unknown cases, out of order, dead-lettered.")
def input_outcomes(rt: Runtime, deps: ServiceDeps, staff: Staff = require("ops", "kpi_analyst")) -> dict[str, Any]:
    with Session(rt.db.engine) as s:
        counts = queries.input_counts(s)
    group_stats = rt.consumers.stats
    return {"projection": counts, "dead_lettered_by_reason": dict(deps.dead_letters.reasons),
            "duplicates": sum(group_stats.duplicates.values()), "applied": sum(group_stats.applied.values())}
