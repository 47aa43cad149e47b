"""Background task: raise GuaranteeAtRisk before a clock breaches, and tag deviations that time alone causes."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from services.chassis.spec import Infra
from services.kpi.domain.definitions import Definitions, RuleSet
from services.kpi.use_cases import scan_clocks

log = logging.getLogger("kontakt.kpi.clocks")


def scan_once(infra: Infra[Any], defs: Definitions, rules: RuleSet) -> int:
    """One pass over open cases at the service clock's now; returns how many alerts were raised."""
    with infra.db.uow() as uow:
        raised = scan_clocks(uow, defs, rules, infra.clock.now())
        uow.commit()
    return raised


async def watch_clocks(infra: Infra[Any], defs: Definitions, rules: RuleSet, interval_s: float) -> None:
    while True:
        try:
            n = await asyncio.to_thread(scan_once, infra, defs, rules)
            if n:
                log.info("raised %d guarantee-at-risk alerts", n)
        except (IntegrityError, OperationalError) as exc:  # a consumer tagged the same case meanwhile, or DB away
            log.warning("clock scan deferred to next round: %s", type(exc).__name__)
        await asyncio.sleep(interval_s)
