"""The kpi service's two parts of its own in the runtime: dead letters counted by reason, and KPI gauges.

And a step after the migrations (the kept figures rebuilt when the definitions changed, issue 24).

Seam for the chassis's ServiceSpec (issue 21, item 4): the parts are handed to `KpiRuntime` as constructor
arguments, built in app.py. When the spec takes a dead-letter policy and extra metrics, this subclass goes and
app.py passes the same two values to the spec; nothing else in the service changes.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

from services.chassis.clock import Clock
from services.chassis.consumer import DeadLetters
from services.chassis.db import Database
from services.chassis.runtime import ServiceRuntime
from services.chassis.settings import ServiceSettings


class CountingDeadLetters(DeadLetters):
    """Dead letters as the chassis sends them, counted by reason (e.g. NewerSchemaVersion) for /metrics."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: Counter[str] = Counter()

    async def send(self, group: str, record: Any, reason: str, attempts: int) -> None:
        kind = reason.split(":", 1)[0].strip() if ":" in reason[:60] else "handler_failed"
        self.reasons[kind] += 1
        await super().send(group, record, reason, attempts)


ExtraMetrics = Callable[[ServiceRuntime], str]  # Prometheus text appended to the chassis's /metrics


class KpiRuntime(ServiceRuntime):
    """The chassis runtime with `dead_letters` in place of its own and `metrics` after its /metrics text."""

    def __init__(self, settings: ServiceSettings, metadatas: Sequence[MetaData], migrations_dir: Path | None, *,
                 dead_letters: DeadLetters, metrics: ExtraMetrics, clock: Clock | None = None, title: str = "",
                 description: str = "", after_migrate: Callable[[Database], None] | None = None) -> None:
        super().__init__(settings, metadatas, migrations_dir, clock=clock, title=title, description=description)
        self.dead_letters = dead_letters
        self.consumers.dead_letters = dead_letters
        self._metrics = metrics
        self._after_migrate = after_migrate

    def migrate(self) -> None:
        """The chassis's migrations, then the service's own upkeep of its data (the kept figures' rebuild)."""
        super().migrate()
        if self._after_migrate is not None:
            self._after_migrate(self.db)

    async def metrics_text(self) -> str:
        return await super().metrics_text() + self._metrics(self)
