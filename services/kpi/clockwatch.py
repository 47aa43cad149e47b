"""Background task: raise GuaranteeAtRisk before a clock breaches, and tag deviations that time alone causes."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError, OperationalError

from services.chassis.runtime import ServiceRuntime
from services.kpi.domain.clocks import at_risk, board
from services.kpi.domain.days import local_date
from services.kpi.domain.definitions import Definitions, RuleSet
from services.kpi.domain.views import CaseView
from services.kpi.projection import load_cases
from services.kpi.tagging import raise_alert, tag_new_deviations, tagged

log = logging.getLogger("kontakt.kpi.clocks")


def scan_once(rt: ServiceRuntime, defs: Definitions, rules: RuleSet) -> int:
    """One pass over open cases at `rt.clock`'s now; returns how many alerts were raised."""
    now = rt.clock.now()
    today = local_date(now)
    with rt.db.uow() as uow:
        # running clocks, and cases with something still to come (a week's slack for a scan missed)
        views = [CaseView(k, f) for k, f in load_cases(uow.session, start=today - timedelta(days=7))]
        clocks = at_risk(board(views, defs.measures.values(), today, defs.at_risk_days))
        raised = sum(raise_alert(uow, c, now) for c in clocks)
        done = tagged(uow.session)
        by_case: dict[str, set[tuple[str, str, str]]] = {}
        for key in done:
            by_case.setdefault(key[0], set()).add(key)
        for v in views:
            if v.known and v.ended_at() is None:
                tag_new_deviations(uow, v, rules, today, now, by_case.get(v.case_id, set()))
        uow.commit()
    return raised


async def watch_clocks(rt: ServiceRuntime, defs: Definitions, rules: RuleSet, interval_s: float) -> None:
    while True:
        try:
            n = await asyncio.to_thread(scan_once, rt, defs, rules)
            if n:
                log.info("raised %d guarantee-at-risk alerts", n)
        except (IntegrityError, OperationalError) as exc:  # a consumer tagged the same case meanwhile, or DB away
            log.warning("clock scan deferred to next round: %s", type(exc).__name__)
        await asyncio.sleep(interval_s)
