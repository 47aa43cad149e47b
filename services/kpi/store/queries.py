"""Named queries of the kpi service: facts of a period, its units and span, tags, alerts and input counts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic_core import from_json
from sqlalchemy import Text, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from services.kpi.domain.facts import Facts
from services.kpi.domain.runway_alerts import LOOKBACK_DAYS, RunwayAlert
from services.kpi.domain.views import CaseView
from services.kpi.store.tables import (
    AlertRow,
    CallFactsRow,
    CaseFactsRow,
    DeviationRow,
    InputCountRow,
    OpenRow,
    RunwayAlertRow,
    StaffingPlanRow,
)

Tagged = tuple[str, str, str]  # (case, rule, item)


# -- facts -----------------------------------------------------------------------------------------------

def load_cases(session: Session, start: date | None = None, end: date | None = None) -> list[tuple[str, Facts]]:
    """Cases whose active window overlaps [start, end] (every case without bounds).

    The facts come as text and are decoded by pydantic-core's parser, not row by row by the driver.
    """
    stmt = sa_select(col(CaseFactsRow.case_id), cast(col(CaseFactsRow.facts), Text))
    if end is not None:
        stmt = stmt.where(col(CaseFactsRow.first_day) <= end)
    if start is not None:
        stmt = stmt.where(col(CaseFactsRow.last_day) >= start)
    return [(k, from_json(f)) for k, f in session.execute(stmt)]


def load_open_cases(session: Session, figure: str, today: date, last: date) -> list[tuple[str, Facts]]:
    """The open-clock set of a figure: cases whose reading in it still depends on today (`OpenRow`), that count
    in some day up to `last`."""
    stmt = (sa_select(col(CaseFactsRow.case_id), cast(col(CaseFactsRow.facts), Text))
            .join(OpenRow, col(OpenRow.case_id) == col(CaseFactsRow.case_id))
            .where(col(OpenRow.figure) == figure, col(OpenRow.settles_on) > today, col(CaseFactsRow.first_day) <= last))
    return [(k, from_json(f)) for k, f in session.execute(stmt)]


def load_open_cases_of(session: Session, figures: list[str], today: date,
                       last: dict[str, date]) -> dict[str, list[tuple[str, Facts]]]:
    """`load_open_cases` of several figures in one query, each case's facts decoded once: per figure, the cases
    whose reading still depends on today and that count in some day up to `last[figure]`."""
    out: dict[str, list[tuple[str, Facts]]] = {f: [] for f in figures}
    if not figures:
        return out
    stmt = (sa_select(col(CaseFactsRow.case_id), col(OpenRow.figure), col(CaseFactsRow.first_day),
                      cast(col(CaseFactsRow.facts), Text))
            .join(OpenRow, col(OpenRow.case_id) == col(CaseFactsRow.case_id))
            .where(col(OpenRow.figure).in_(figures), col(OpenRow.settles_on) > today,
                   col(CaseFactsRow.first_day) <= max(last.values())))
    decoded: dict[str, Facts] = {}
    for key, figure, first_day, text in session.execute(stmt):
        if first_day <= last[figure]:
            facts = decoded.get(key)
            if facts is None:
                facts = decoded[key] = from_json(text)
            out[figure].append((key, facts))
    return out


def load_calls(session: Session, start: date | None = None, end: date | None = None) -> list[tuple[str, Facts]]:
    """Calls whose first step falls in [start, end] (every call without bounds)."""
    stmt = sa_select(col(CallFactsRow.call_id), cast(col(CallFactsRow.facts), Text))
    if start is not None:
        stmt = stmt.where(col(CallFactsRow.day) >= start)
    if end is not None:
        stmt = stmt.where(col(CallFactsRow.day) <= end)
    return [(k, from_json(f)) for k, f in session.execute(stmt)]


def data_span(session: Session) -> tuple[date | None, date | None]:
    """The first and last day any case or call counts in (both indexed: two index lookups each)."""
    first = [session.exec(select(func.min(col(CaseFactsRow.first_day)))).one(),
             session.exec(select(func.min(col(CallFactsRow.day)))).one()]
    last = [session.exec(select(func.max(col(CallFactsRow.day)))).one(),
            session.exec(select(func.max(col(CaseFactsRow.first_day)))).one()]
    firsts, lasts = [d for d in first if d], [d for d in last if d]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def known_units(session: Session, start: date, end: date) -> list[str]:
    """Units the cases of a period were first booked into (for the dashboard's unit list)."""
    stmt = select(CaseFactsRow.unit).distinct().where(col(CaseFactsRow.first_day) <= end,
                                                      col(CaseFactsRow.last_day) >= start,
                                                      col(CaseFactsRow.unit).is_not(None))
    return sorted(u for u in session.exec(stmt) if u is not None)


def cases_by_known(session: Session) -> list[tuple[bool, int]]:
    """How many cases have their referral seen (True) and how many not yet."""
    return list(session.exec(select(CaseFactsRow.known, func.count()).group_by(col(CaseFactsRow.known))).all())


def unknown_cases(session: Session) -> int:
    """Cases whose events came but whose referral has not (yet)."""
    return session.exec(select(func.count()).select_from(CaseFactsRow).where(col(CaseFactsRow.known).is_(False))).one()


# -- bad-input outcomes ----------------------------------------------------------------------------------

def count(session: Session, outcome: str, n: int = 1) -> None:
    row = session.get(InputCountRow, outcome) or InputCountRow(outcome=outcome, n=0)
    row.n += n
    session.add(row)


def input_counts(session: Session) -> dict[str, int]:
    return {r.outcome: r.n for r in session.exec(select(InputCountRow))}


# -- tags and alerts -------------------------------------------------------------------------------------

def tagged(session: Session) -> set[Tagged]:
    """Every (case, rule, item) tagged so far: one query for a scan over all cases."""
    return set(session.exec(select(DeviationRow.case_id, DeviationRow.rule_id, DeviationRow.item_key)).all())


def tagged_of(session: Session, case_ids: list[str]) -> dict[str, set[Tagged]]:
    """The (case, rule, item) tagged so far for these cases, per case: one query per 900 cases."""
    out: dict[str, set[Tagged]] = {c: set() for c in case_ids}
    for i in range(0, len(case_ids), 900):  # stay under SQLite's bound-parameter limit
        chunk = case_ids[i:i + 900]
        rows = session.exec(select(DeviationRow.case_id, DeviationRow.rule_id, DeviationRow.item_key)
                            .where(col(DeviationRow.case_id).in_(chunk)))
        for c, r, k in rows:
            out[c].add((c, r, k))
    return out


def tagged_per_rule(session: Session) -> list[tuple[str, int]]:
    return list(session.exec(select(DeviationRow.rule_id, func.count()).group_by(col(DeviationRow.rule_id))).all())


def alerts_raised(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AlertRow)).one()


# -- units' runway alerts --------------------------------------------------------------------------------

def add_runway_alerts(session: Session, alerts: list[RunwayAlert]) -> None:
    """Keep each alert once (a redelivery or a replay over live rows adds nothing)."""
    for a in dict.fromkeys(alerts):
        if session.get(RunwayAlertRow, (a.unit, a.at)) is None:
            session.add(RunwayAlertRow(unit_id=a.unit, at=a.at, day=a.day, reason=a.reason, last_day=a.last_day))


def load_runway_alerts(session: Session, start: date, end: date) -> list[RunwayAlert]:
    """The alerts that can count for a period: told in it, or within the look-back before its first day."""
    stmt = select(RunwayAlertRow).where(col(RunwayAlertRow.day) >= start - timedelta(days=LOOKBACK_DAYS),
                                        col(RunwayAlertRow.day) <= end)
    return [RunwayAlert(r.unit_id, r.at, r.reason, r.last_day) for r in session.exec(stmt)]


# -- the staffing plan -----------------------------------------------------------------------------------

def staffing_plan(session: Session) -> StaffingPlanRow | None:
    return session.get(StaffingPlanRow, 1)


def save_staffing_plan(session: Session, hours: list[float], advice_minutes: float, interview_minutes: float,
                       now: datetime) -> StaffingPlanRow:
    row = session.get(StaffingPlanRow, 1) or StaffingPlanRow(hours=hours, advice_minutes=advice_minutes,
                                                             interview_minutes=interview_minutes, saved_at=now)
    row.hours, row.advice_minutes, row.interview_minutes, row.saved_at = hours, advice_minutes, interview_minutes, now
    session.add(row)
    return row


def cases_in(session: Session, start: date, end: date) -> list[CaseView]:
    """Case views of the cases active in [start, end] (the referral forecast's history)."""
    return [CaseView(k, f) for k, f in load_cases(session, start, end)]
