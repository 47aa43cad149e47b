"""The kpi service's dead-letter policy: dead letters as the chassis sends them, counted by reason for /metrics
and /api/kpi/input (a projection that silently skipped input would understate every figure)."""
from __future__ import annotations

from collections import Counter

from services.chassis.dead_letters import DeadLetters
from services.chassis.records import Record


class CountingDeadLetters(DeadLetters):
    """Dead letters as the chassis sends them, counted by reason (e.g. NewerSchemaVersion) for /metrics."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: Counter[str] = Counter()

    async def send(self, group: str, record: Record, reason: str, attempts: int) -> None:
        kind = reason.split(":", 1)[0].strip() if ":" in reason[:60] else "handler_failed"
        self.reasons[kind] += 1
        await super().send(group, record, reason, attempts)
