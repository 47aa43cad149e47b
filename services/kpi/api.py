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
from services.chassis.auth import OWN_UNIT, UNIT_SCOPED_ROLES, Staff, county_wide, require, require_unit
from services.chassis.refusal import Refusal, Refused
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.kpi.deps import Deps
from services.kpi.domain.callback_figures import CALLBACK_DIMENSIONS
from services.kpi.domain.clocks import board
from services.kpi.domain.contact_figures import RETURN_DIMENSIONS
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import BASES, Definitions
from services.kpi.domain.equal_care import equal_care_from
from services.kpi.domain.exports import equal_care_csv, to_csv
from services.kpi.domain.figures import DIMENSIONS, FIGURES, SHARE_OF_BASIS, Dataset, Query, compute
from services.kpi.domain.national import COLUMNS, month_key, national_csv, national_report
from services.kpi.domain.periods import bounds
from services.kpi.domain.printable import quarterly_html
from services.kpi.domain.table import Table
from services.kpi.domain.tally import BOARD
from services.kpi.domain.views import CaseView
from services.kpi.domain.window import OPEN_END
from services.kpi.forms import FORMAT_REFUSAL, build_query, check_basis, check_format
from services.kpi.store import queries
from services.kpi.store.figures import figure_table, figure_tables

# the figures' query parameters, each bounded (their values are checked in forms.build_query)
From = Annotated[str | None, Q(alias="from", max_length=20, description="First month or day, YYYY-MM[-DD].")]
To = Annotated[str | None, Q(alias="to", max_length=20, description="Last month or day, YYYY-MM[-DD].")]
Short = Annotated[str | None, Q(max_length=60)]
Word = Annotated[str, Q(max_length=20)]
# figures are counts per period and group, small cells suppressed: no child in them, county-wide by nature
COUNTS = county_wide("counts per period and group, small cells suppressed; no child in them")
FROM_CASES = ("interpreters", "returned_referrals", "checkins")  # issue 27's figures, computed per request
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


def _figure(rt: ServiceRuntime, deps: Deps, q: Query, figure: str) -> Table:
    """A figure read from the kept tallies and the cases open today (store/figures.py)."""
    with Session(rt.db.engine) as s:
        if figure == "callbacks":  # from the calls themselves: not among the kept figures (yet)
            return compute(Dataset([], queries.load_calls(s, q.start, q.end), deps.defs), q, figure)
        if figure == "runway_alerts":  # the searches without a time, and the alerts that may have come before
            return compute(Dataset(queries.load_cases(s, q.start, q.end), [], deps.defs,
                                   queries.load_runway_alerts(s, q.start, q.end)), q, figure)
        if figure in FROM_CASES:  # folded from the period's cases: not among the kept figures (yet)
            return compute(Dataset(queries.load_cases(s, q.start, q.end), [], deps.defs), q, figure)
        return figure_table(s, deps.tallies, q, figure)


def _report_data(rt: ServiceRuntime, deps: Deps, q: Query) -> Dataset:
    """The national report's cases and calls: those whose active window overlaps the month (domain/window.py)."""
    with Session(rt.db.engine) as s:
        return Dataset(queries.load_cases(s, q.start, q.end), queries.load_calls(s, q.start, q.end), deps.defs)


def _meta(defs: Definitions, figure: str) -> dict[str, Any]:
    m = defs.measures.get(figure)
    if m:
        return {"title_sv": m.title_sv, "title_en": m.title_en, "target": m.target, "limit_days": m.limit_days,
                "basis": m.basis, "share_column": SHARE_OF_BASIS[m.basis], "bases": {b: BASIS_TEXT[b] for b in BASES}}
    if figure == "callbacks":
        return {"target": None, "title_sv": "Återuppringningar", "title_en": "Call-backs"}
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


@router.get("/figures", openapi_extra=COUNTS, summary="The figures available, with titles and targets.")
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


@router.get("/figures/deviations",
            openapi_extra=COUNTS, summary="Deviations per period (and unit), one column per rule.")
def deviations(rt: Runtime, deps: ServiceDeps, start: From = None, end: To = None, grain: Word = "quarter",
               municipality: Short = None, unit: Short = None, sex: Short = None, by: Short = None,
               format: Word = "json", suppress: bool = False, staff: Staff = require(*FIGURE_ROLES)) -> Any:
    q = build_query(_today(deps), start, end, grain, municipality, unit, sex, by or None, ("unit",))
    titles = {r.id: {"sv": r.title_sv, "en": r.title_en} for r in deps.rules.rules}
    return respond(_figure(rt, deps, q, "deviations"), q, format, suppress,
                   {"rules_version": deps.rules.version, "rules": titles}, deps.defs)


@router.get("/figures/{figure}",
            openapi_extra=COUNTS, summary="One figure per period: JSON for charts, CSV (suppressed) for export.")
def figure(figure: Annotated[str, P(max_length=60)], rt: Runtime, deps: ServiceDeps, start: From = None,
           end: To = None, grain: Word = "month", municipality: Short = None, unit: Short = None, sex: Short = None,
           by: Short = None, format: Word = "json", suppress: bool = False,
           staff: Staff = require(*FIGURE_ROLES)) -> Any:
    if figure not in deps.defs.measures and figure not in FIGURES:
        raise Refused(Refusal("figure", "not_found", f"Okänt mått: {figure}.", f"Unknown figure: {figure}.", 404))
    allowed = ("question", "intervention", "unit") if figure == "collaborations" else \
        ("line",) if figure == "calls" else CALLBACK_DIMENSIONS if figure == "callbacks" else \
        ("unit",) if figure == "runway_alerts" else \
        (*RETURN_DIMENSIONS, *DIMENSIONS) if figure == "returned_referrals" else DIMENSIONS
    q = build_query(_today(deps), start, end, grain, municipality, unit, sex, by or None, allowed)
    return respond(_figure(rt, deps, q, figure), q, format, suppress, _meta(deps.defs, figure), deps.defs)


@router.get("/equal-care",
            openapi_extra=COUNTS,
            summary="Equal care side by side: every municipality (or sex) over the period, small cells suppressed.")
def equal(rt: Runtime, deps: ServiceDeps, start: From = None, end: To = None, by: Word = "municipality",
          basis: Short = None, unit: Short = None, format: Word = "json",
          staff: Staff = require(*FIGURE_ROLES)) -> Any:
    defs = deps.defs
    q = build_query(_today(deps), start, end, "month", None, unit, None, by, ("municipality", "sex"))
    check_basis(basis)
    values = list(MUNICIPALITIES) if by == "municipality" else ["female", "male"]
    with Session(rt.db.engine) as s:
        rows = equal_care_from(lambda names, mq: figure_tables(s, deps.tallies, mq, names), defs, q, by, values, basis,
                               defs.suppress_below)
    if format == "csv":
        return _csv(equal_care_csv(rows, by, defs.suppress_below), f"equal_care_{by}.csv")
    if format != "json":
        raise Refused(FORMAT_REFUSAL)
    return {"figure": "equal_care", "by": by, "from": str(q.start), "to": str(q.end),
            "basis": basis or defs.measures["assessment_3d"].basis, "suppressed_below": defs.suppress_below,
            "targets": {m: defs.measures[m].target for m in ("assessment_3d", "first_line_visit_7d",
                                                             "bup_first_visit_30d")},
            "rows": rows}


@router.get("/reports/national/{month}",
            openapi_extra=COUNTS,
            summary="The national monthly waiting-times report for one month (CSV or JSON).",
            responses={200: {"content": {"text/csv": {}}, "description": "CSV (default) or JSON with format=json."}})
def national(rt: Runtime, deps: ServiceDeps,
             month: str = P(pattern=r"^\d{4}-\d{2}$", description="The month, YYYY-MM.", examples=["2023-03"]),
             format: Literal["csv", "json"] = "csv", staff: Staff = require(*FIGURE_ROLES)) -> Any:
    if month_key(month) is None:
        raise Refused(Refusal("month", "pattern", "Månad anges som ÅÅÅÅ-MM.", "Month is YYYY-MM.", location="path"))
    first, last = bounds(month)
    rows = national_report(_report_data(rt, deps, Query(first, last, _today(deps))), month)
    if format == "json":
        return {"report": "national_waiting_times", "month": month, "definitions_version": deps.defs.version,
                "columns": COLUMNS, "rows": rows}
    return _csv(national_csv(rows), f"national_{month}.csv")


@router.get("/reports/quarterly/{quarter}",
            openapi_extra=COUNTS, summary="Deviations per unit and rule for one quarter (CSV or print).",
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
    t = _figure(rt, deps, q, "deviations")
    if format == "csv":
        return respond(t, q, "csv", True, {}, deps.defs)
    return HTMLResponse(quarterly_html(quarter, t, deps.rules, deps.defs.suppress_below))


@router.get("/clocks", openapi_extra=OWN_UNIT,
            summary="Open guarantee clocks that breach today or tomorrow, and counts already breached (audited). "
                    "A unit head sees their own unit's (`unit` defaults to it; another unit's, or none in the "
                    "token: 403).")
def clocks(rt: Runtime, deps: ServiceDeps, horizon_days: int = Q(1, ge=0, le=30),
           municipality: str | None = Q(None, max_length=40), unit: str | None = Q(None, max_length=60),
           staff: Staff = require(*BOARD_ROLES)) -> dict[str, Any]:
    if staff.role in UNIT_SCOPED_ROLES:  # the board of a unit-bound role is its unit's, whatever is asked
        unit = unit or staff.unit
        require_unit(staff, unit)
    now_day = _today(deps)
    with Session(rt.db.engine) as s:  # cases with a clock open whose active window reaches today
        views = [CaseView(k, f) for k, f in queries.load_open_cases(s, BOARD, now_day, OPEN_END)]
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
