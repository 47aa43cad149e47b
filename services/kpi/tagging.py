"""Deviation tags and at-risk alerts: decided by the domain, recorded once, published via the outbox."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from contracts.kpi import DeviationTagged, DeviationTaggedPayload, GuaranteeAtRisk, GuaranteeAtRiskPayload
from services.chassis.db import UnitOfWork
from services.kpi.domain.clocks import OpenClock
from services.kpi.domain.days import end_of_day
from services.kpi.domain.definitions import RuleSet
from services.kpi.domain.deviations import Deviation, evaluate
from services.kpi.domain.views import CaseView
from services.kpi.store import AlertRow, DeviationRow


def _already(session: Session, case_id: str) -> set[tuple[str, str]]:
    rows = session.exec(select(DeviationRow.rule_id, DeviationRow.item_key).where(DeviationRow.case_id == case_id))
    return {(r, k) for r, k in rows}


def tagged(session: Session) -> set[tuple[str, str, str]]:
    """Every (case, rule, item) tagged so far: one query for a scan over all cases."""
    return set(session.exec(select(DeviationRow.case_id, DeviationRow.rule_id, DeviationRow.item_key)).all())


def tagged_of(session: Session, case_ids: list[str]) -> dict[str, set[tuple[str, str, str]]]:
    """The (case, rule, item) tagged so far for these cases, per case: one query per 900 cases."""
    out: dict[str, set[tuple[str, str, str]]] = {c: set() for c in case_ids}
    for i in range(0, len(case_ids), 900):  # stay under SQLite's bound-parameter limit
        chunk = case_ids[i:i + 900]
        rows = session.exec(select(DeviationRow.case_id, DeviationRow.rule_id, DeviationRow.item_key)
                            .where(DeviationRow.case_id.in_(chunk)))  # type: ignore[attr-defined]
        for c, r, k in rows:
            out[c].add((c, r, k))
    return out


def tag_new_deviations_of(uow: UnitOfWork, views: list[CaseView], rules: RuleSet, today: date,
                          now: datetime) -> list[Deviation]:
    """`tag_new_deviations` for many cases, with what they already carry read in one query."""
    done = tagged_of(uow.session, [v.case_id for v in views])
    return [d for v in views for d in tag_new_deviations(uow, v, rules, today, now, done[v.case_id])]


def tag_new_deviations(uow: UnitOfWork, view: CaseView, rules: RuleSet, today: date, now: datetime,
                       all_tagged: set[tuple[str, str, str]] | None = None) -> list[Deviation]:
    """Publish a DeviationTagged for each deviation of the case not tagged before."""
    if all_tagged is None:
        done = _already(uow.session, view.case_id)
    else:
        done = {(r, k) for c, r, k in all_tagged if c == view.case_id}
    new = [d for d in evaluate(view, rules, today) if (d.rule_id, d.key) not in done]
    for d in new:
        uow.session.add(DeviationRow(case_id=d.case_id, rule_id=d.rule_id, item_key=d.key, unit_id=d.unit_id,
                                     level=d.level, day=d.day, tagged_at=now, evidence=d.evidence))
        uow.publish(DeviationTagged.new(
            case_id=d.case_id, occurred_at=now, recorded_at=now,
            payload=DeviationTaggedPayload(rule_id=d.rule_id, rules_version=rules.version, unit_id=d.unit_id,
                                           level=d.level, evidence=d.evidence, tagged_at=now)))
    return new


def raise_alert(uow: UnitOfWork, clock: OpenClock, now: datetime) -> bool:
    """Publish GuaranteeAtRisk once per case and clock (a new deadline, e.g. after a new decision, alerts again)."""
    row = uow.session.get(AlertRow, (clock.case_id, clock.clock))
    if row is not None and row.deadline == clock.deadline:
        return False
    row = row or AlertRow(case_id=clock.case_id, clock=clock.clock, deadline=clock.deadline, raised_at=now)
    row.deadline, row.raised_at = clock.deadline, now
    uow.session.add(row)
    uow.publish(GuaranteeAtRisk.new(
        case_id=clock.case_id, occurred_at=now, recorded_at=now,
        payload=GuaranteeAtRiskPayload(clock=clock.clock, deadline=end_of_day(clock.deadline),  # type: ignore[arg-type]
                                       days_left=clock.days_left, unit_id=clock.unit_id)))
    return True
