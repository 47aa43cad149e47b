"""The KPI service's runtime: the chassis runtime plus KPI gauges and counts of dead-lettered input."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from services.chassis.dead_letters import DeadLetters
from services.chassis.runtime import ServiceRuntime


class CountingDeadLetters(DeadLetters):
    """Dead letters as the chassis sends them, counted by reason (e.g. NewerSchemaVersion) for /metrics."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: Counter[str] = Counter()

    async def send(self, group: str, record: Any, reason: str, attempts: int) -> None:
        kind = reason.split(":", 1)[0].strip() if ":" in reason[:60] else "handler_failed"
        self.reasons[kind] += 1
        await super().send(group, record, reason, attempts)


class KpiRuntime(ServiceRuntime):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dead_letters = CountingDeadLetters()
        self.consumers.dead_letters = self.dead_letters
        self.kpi_metrics: Callable[[], str] = lambda: ""

    async def metrics_text(self) -> str:
        return await super().metrics_text() + self.kpi_metrics()
