"""Whether events flow: the pipeline's health checks and the gauges /metrics shows for them.

`/health/ready` says whether the service can serve (load balancers keep it in rotation while it can);
`/health/pipeline` says whether its events flow, and answers 503 with the reasons when they do not."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy.exc import OperationalError

from services.chassis import outbox_store
from services.chassis.consumers import Consumers
from services.chassis.outbox_store import Backlog
from services.chassis.pipeline import Pipeline
from services.chassis.relay import OutboxRelay
from services.chassis.settings import ServiceSettings


@dataclass
class PipelineState:
    """One look at the outbox and the consumers, with the reasons the pipeline counts as degraded."""

    backlog: Backlog
    lag: dict[tuple[str, str, int], int]
    reasons: list[str] = field(default_factory=list)


async def look(settings: ServiceSettings, relay: OutboxRelay, consumers: Consumers, started_at: float) -> PipelineState:
    backlog = await asyncio.to_thread(relay.backlog)
    lag = await consumers.lag()
    state = PipelineState(backlog, lag)
    now = time.monotonic()
    if backlog.parked:
        state.reasons.append(f"outbox_parked: {backlog.parked} rows the broker refused for good")
    if backlog.waiting and now - relay.last_advance > settings.relay_stall_after_s:
        state.reasons.append(f"relay_stalled: {backlog.waiting} rows wait and nothing was sent for "
                             f"{now - relay.last_advance:.0f}s ({relay.last_error or 'no error'})")
    if backlog.oldest_age_s > settings.outbox_max_age_s:
        state.reasons.append(f"outbox_old: the oldest unsent row is {backlog.oldest_age_s:.0f}s old")
    behind: dict[str, int] = {}
    for (group, _topic, _partition), n in lag.items():
        behind[group] = behind.get(group, 0) + n
    for group, n in sorted(behind.items()):
        idle = now - consumers.stats.last_progress.get(group, started_at)
        if n and idle > settings.consumer_no_progress_after_s:
            state.reasons.append(f"consumer_stuck: {group} is {n} records behind and applied nothing for {idle:.0f}s")
    for group, at in sorted(consumers.stats.last_dead_letter.items()):
        if now - at < settings.dead_letter_window_s:
            state.reasons.append(f"dead_letters: {group} wrote to {group}.dlq {now - at:.0f}s ago")
    return state


def gauge_lines(service: str, state: PipelineState, relay: OutboxRelay, consumers: Consumers) -> list[str]:
    """Prometheus text for the outbox and consumer gauges (the alert rules in deploy/prometheus use them)."""
    now = time.monotonic()
    svc = f'service="{service}"'
    lines = [
        "# HELP kontakt_outbox_backlog Unsent outbox rows waiting to be published (parked rows apart).",
        "# TYPE kontakt_outbox_backlog gauge", f"kontakt_outbox_backlog{{{svc}}} {state.backlog.waiting}",
        "# HELP kontakt_outbox_oldest_unsent_age_seconds Age of the oldest unsent, not parked, outbox row.",
        "# TYPE kontakt_outbox_oldest_unsent_age_seconds gauge",
        f"kontakt_outbox_oldest_unsent_age_seconds{{{svc}}} {state.backlog.oldest_age_s:.1f}",
        "# HELP kontakt_outbox_parked Outbox rows the broker refused for good, waiting for a re-drive.",
        "# TYPE kontakt_outbox_parked gauge", f"kontakt_outbox_parked{{{svc}}} {state.backlog.parked}",
        "# HELP kontakt_outbox_parked_total Rows this process parked.",
        "# TYPE kontakt_outbox_parked_total counter", f"kontakt_outbox_parked_total{{{svc}}} {relay.parked}",
        "# HELP kontakt_outbox_seconds_since_advance Seconds since the relay last sent a row or found none waiting.",
        "# TYPE kontakt_outbox_seconds_since_advance gauge",
        f"kontakt_outbox_seconds_since_advance{{{svc}}} {now - relay.last_advance:.1f}",
        "# HELP kontakt_consumer_lag Records between a group's position and the end of an assigned partition.",
        "# TYPE kontakt_consumer_lag gauge",
    ]
    for (group, topic, partition), n in sorted(state.lag.items()):
        lines.append(f'kontakt_consumer_lag{{{svc},group="{group}",topic="{topic}",partition="{partition}"}} {n}')
    lines += ["# HELP kontakt_consumer_seconds_since_progress Seconds since the group last finished a record.",
              "# TYPE kontakt_consumer_seconds_since_progress gauge"]
    for group in consumers.groups:
        since = now - consumers.stats.last_progress.get(group, now)
        lines.append(f'kontakt_consumer_seconds_since_progress{{{svc},group="{group}"}} {since:.1f}')
    lines += ["# HELP kontakt_pipeline_degraded 1 while /health/pipeline answers 503.",
              "# TYPE kontakt_pipeline_degraded gauge", f"kontakt_pipeline_degraded{{{svc}}} {int(bool(state.reasons))}"]
    return lines


def pipeline_body(state: PipelineState) -> dict[str, Any]:
    return {"status": "degraded" if state.reasons else "flowing", "reasons": state.reasons,
            "outbox": {k: round(v, 1) for k, v in state.backlog.as_dict().items()},
            "consumer_lag": {f"{g}/{t}/{p}": n for (g, t, p), n in sorted(state.lag.items())}}


def counter_lines(service: str, consumers: Consumers, relay: OutboxRelay) -> list[str]:
    """Prometheus text for the consumers' and the relay's counters."""
    st = consumers.stats
    lines = []
    for name, counter in (("applied", st.applied), ("duplicates", st.duplicates), ("skipped", st.skipped),
                          ("retries", st.retries), ("dead_lettered", st.dead_lettered)):
        lines.append(f"# TYPE kontakt_consumer_{name}_total counter")
        for group, n in counter.items():
            lines.append(f'kontakt_consumer_{name}_total{{service="{service}",group="{group}"}} {n}')
    lines.append("# TYPE kontakt_outbox_published_total counter")
    lines.append(f'kontakt_outbox_published_total{{service="{service}"}} {relay.published}')
    return lines


class Health:
    """What the health and metrics routes answer for one service process."""

    def __init__(self, settings: ServiceSettings, pipeline: Pipeline, http_metrics: CollectorRegistry,
                 extra_metrics: Sequence[Callable[[], str]] = ()) -> None:
        self.settings = settings
        self.name = settings.service_name
        self.pipeline = pipeline
        self.relay = pipeline.relay
        self.consumers = pipeline.consumers
        self.engine = pipeline.relay.db.engine
        self.http_metrics = http_metrics  # HTTP rate, errors and duration per route (the Instrumentator's)
        self.extra_metrics = list(extra_metrics)  # a service's own Prometheus text (e.g. kpi's gauges)
        self.started_at = time.monotonic()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Any] = {"started": self.pipeline.ready, "runs_pipeline": self.pipeline.running}
        try:
            checks["outbox_unsent"] = outbox_store.unsent_count(self.engine)  # a query: the database answers
            checks["database"] = "ok"
        except OperationalError:
            checks["database"] = "unreachable"
        stalled = self.consumers.stats.stalled(self.settings.stall_after_s)
        checks["stalled_consumers"] = stalled
        checks["relay_error"] = self.relay.last_error
        ok = self.pipeline.ready and checks["database"] == "ok" and not stalled
        return ok, checks

    async def state(self) -> PipelineState:
        if self.settings.http_workers > 1 and not self.pipeline.running:
            # a follower HTTP worker (workers.py): the relay that must advance is the lease holder's, not this idle one
            self.relay.last_advance = time.monotonic()
        return await look(self.settings, self.relay, self.consumers, self.started_at)

    async def metrics_text(self) -> str:
        state = await self.state()
        lines = counter_lines(self.name, self.consumers, self.relay)
        text_ = "\n".join(lines) + "\n" + "\n".join(gauge_lines(self.name, state, self.relay, self.consumers)) + "\n"
        return text_ + generate_latest(self.http_metrics).decode() + "".join(f() for f in self.extra_metrics)
