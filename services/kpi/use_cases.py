"""Every state change of the kpi service: batches folded into the projections, deviations tagged once, clocks
at risk alerted once; each in the caller's unit of work, the events published through its outbox."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from contracts.envelope import Event
from contracts.kpi import DeviationTagged, DeviationTaggedPayload, GuaranteeAtRisk, GuaranteeAtRiskPayload
from services.chassis.db import UnitOfWork
from services.kpi.domain.clocks import OpenClock, at_risk, board
from services.kpi.domain.days import end_of_day, local_date
from services.kpi.domain.definitions import Definitions, RuleSet
from services.kpi.domain.deviations import Deviation, evaluate
from services.kpi.domain.facts import Facts
from services.kpi.domain.fold import BatchFold
from services.kpi.domain.runway_alerts import alert_of
from services.kpi.domain.tally import Tallies
from services.kpi.domain.views import CaseView
from services.kpi.rules import shipped_definitions
from services.kpi.store import queries
from services.kpi.store.bulk import merge_batch
from services.kpi.store.tables import AlertRow, DeviationRow


def project_batch(uow: UnitOfWork, rules: RuleSet, events: Sequence[Event[Any]], now: datetime,
                  defs: Definitions | None = None) -> None:
    """Fold `events` into the projections and the kept figures (under `defs`, by default the shipped
    definitions) in `uow`'s transaction; tag the deviations that now show.

    The chassis hands over a batch (several partitions, each in offset order; duplicates already dropped by
    the inbox). Its events are reduced to facts, grouped per case and call, merged in memory, and written
    with the replay's statements (`merge_batch`): one read and one write per touched row, not per event.
    Deviations are evaluated once per touched case, on its state after the whole batch. The fold is
    order-proof (domain/merge.py), so the rows equal a one-event-at-a-time fold or a replay of the same events.
    """
    tallies = Tallies(defs or shipped_definitions(), rules)
    fold = BatchFold()
    alerts = []
    for event in events:
        wire = event.model_dump(mode="json")
        fold.add(wire)
        if (alert := alert_of(wire)) is not None:
            alerts.append(alert)
    if alerts:
        queries.add_runway_alerts(uow.session, alerts)
    outcomes: Counter[str] = Counter()
    cases: dict[str, tuple[Facts | None, Facts]] = {}
    for bucket in ("case", "call"):
        if fold.partial[bucket]:
            merged = merge_batch(uow.session, bucket, fold.partial[bucket], now, tallies)
            outcomes += fold.outcomes(bucket, merged)
            if bucket == "case":
                cases = merged
    for outcome, n in sorted(outcomes.items()):
        queries.count(uow.session, outcome, n)
    known = [CaseView(key, after) for key, (_, after) in sorted(cases.items()) if after.get("ref") is not None]
    if known:
        tag_new_deviations_of(uow, known, rules, local_date(now), now)


def tag_new_deviations_of(uow: UnitOfWork, views: list[CaseView], rules: RuleSet, today: date,
                          now: datetime) -> list[Deviation]:
    """`tag_new_deviations` for many cases, with what they already carry read in one query."""
    done = queries.tagged_of(uow.session, [v.case_id for v in views])
    return [d for v in views for d in tag_new_deviations(uow, v, rules, today, now, done[v.case_id])]


def tag_new_deviations(uow: UnitOfWork, view: CaseView, rules: RuleSet, today: date, now: datetime,
                       all_tagged: set[queries.Tagged] | None = None) -> list[Deviation]:
    """Publish a DeviationTagged for each deviation of the case not tagged before."""
    if all_tagged is None:
        all_tagged = queries.tagged_of(uow.session, [view.case_id])[view.case_id]
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
        payload=GuaranteeAtRiskPayload(clock=clock.clock, deadline=end_of_day(clock.deadline),
                                       days_left=clock.days_left, unit_id=clock.unit_id)))
    return True


def scan_clocks(uow: UnitOfWork, defs: Definitions, rules: RuleSet, now: datetime) -> int:
    """One pass over open cases at `now`: alert the clocks at risk, tag what time alone made a deviation;
    returns how many alerts were raised."""
    today = local_date(now)
    # running clocks, and cases with something still to come (a week's slack for a scan missed)
    views = [CaseView(k, f) for k, f in queries.load_cases(uow.session, start=today - timedelta(days=7))]
    clocks = at_risk(board(views, defs.measures.values(), today, defs.at_risk_days))
    raised = sum(raise_alert(uow, c, now) for c in clocks)
    by_case: dict[str, set[queries.Tagged]] = {}
    for key in queries.tagged(uow.session):
        by_case.setdefault(key[0], set()).add(key)
    for v in views:
        if v.known and v.ended_at() is None:
            tag_new_deviations(uow, v, rules, today, now, by_case.get(v.case_id, set()))
    return raised
