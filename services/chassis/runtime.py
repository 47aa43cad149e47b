"""One service process: database, broker, outbox relay, consumers, HTTP API, health and metrics."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Union

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel, Field
from sqlalchemy import MetaData, func, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from contracts.registry import ALL_EVENTS, dead_letter_topic
from services.chassis import migrations
from services.chassis.audit import AuditTrail, audit_routes
from services.chassis.auth import Staff, TokenVerifier, require
from services.chassis.broker_watch import BrokerWatch, partition_counts, remake_topics
from services.chassis.clock import Clock, SystemClock
from services.chassis.consumer import Consumers, DeadLetters
from services.chassis.db import Database
from services.chassis.errors import install_error_handlers
from services.chassis.health import PipelineState, gauge_lines, look, pipeline_body
from services.chassis.limits import BodyLimit, route_limits
from services.chassis.openapi import api_routes, install_openapi
from services.chassis.ops_view import MAX_IDS, PUBLIC_READY, RowId, asked_by_ops, for_whom
from services.chassis.outbox import OutboxRelay, RowProducer
from services.chassis.settings import ServiceSettings
from services.chassis.tables import OutboxRow, chassis_metadata
from services.chassis.telemetry import adopt_library_loggers, setup_logging, setup_tracing, shutdown_tracing
from services.chassis.topics import ensure_topics
from services.chassis.tracing import CaseTraceMiddleware
from services.chassis.workers import Doorbell, FileLock

log = logging.getLogger("kontakt.runtime")


class ParallelStartBroker(KafkaBroker):
    """A KafkaBroker whose subscribers join their consumer groups at the same time.

    FastStream starts subscribers one after another, and each `start()` waits for its group's
    partition assignment (a join round on the broker, about half the session timeout on Tansu):
    a service with six groups took six rounds to be ready. Joining concurrently takes one.
    """

    async def start(self) -> None:
        await self.connect()
        await asyncio.gather(*(sub.start() for sub in self.subscribers))
        for pub in self.publishers:
            await pub.start()
        self.running = True


class ServiceRuntime:
    """Everything a service's handlers and routes need, wired once (the composition root uses it)."""

    def __init__(self, settings: ServiceSettings, metadatas: Sequence[MetaData], migrations_dir: Path | None,
                 clock: Clock | None = None, title: str = "", description: str = "") -> None:
        self.settings = settings
        self.name = settings.service_name
        self.title = title or self.name
        self.description = description
        self.clock = clock or SystemClock(settings.clock_offset_file)
        self.db = Database(settings.resolved_database_url(), [chassis_metadata, *metadatas],
                           max_event_bytes=settings.kafka_max_message_bytes)
        self.migrations_dir = migrations_dir
        self.broker = ParallelStartBroker(
            # FastStream takes a string as ONE address: "a:9092,b:9092,c:9092" (a cluster) must be split here
            [h.strip() for h in settings.kafka_bootstrap_servers.split(",") if h.strip()], acks="all", enable_idempotence=settings.kafka_idempotence,
            client_id=f"en-vag-in-{self.name}", graceful_timeout=30.0,
            max_request_size=settings.kafka_max_message_bytes + 64 * 1024,  # the guard counts; headroom for framing
            middlewares=[KafkaTelemetryMiddleware()], logger=logging.getLogger(f"faststream.{self.name}"),
            log_level=logging.DEBUG,  # "Received"/"Processed" per message is noise at INFO
        )
        self.dead_letters = DeadLetters()
        self.consumers = Consumers(self.db, self.dead_letters, max_attempts=settings.consumer_max_attempts,
                                   backoff_base_s=settings.consumer_backoff_base_s,
                                   backoff_max_s=settings.consumer_backoff_max_s,
                                   session_timeout_ms=settings.kafka_session_timeout_ms,
                                   group_prefix=settings.consumer_group_prefix,
                                   max_poll_interval_ms=settings.consumer_max_poll_interval_ms,
                                   max_record_bytes=settings.kafka_max_message_bytes,
                                   max_fetch_bytes=settings.kafka_max_fetch_bytes)
        self.publishers = self._declare_publishers()
        # the relay's own producer (started with the pipeline); the FastStream publishers above document the topics
        self.relay_producer: AIOKafkaProducer | None = None
        self.relay = OutboxRelay(self.db, RowProducer(lambda: self.relay_producer), idle_s=0.5)
        # with several HTTP workers, a row committed by one that does not run the relay rings the one that does
        self.doorbell = Doorbell(settings.data_dir, self.name) if settings.http_workers > 1 else None
        self.broker_watch = BrokerWatch(lambda: self.dead_letters.producer.client, self._heal_forgetful_broker,
                                        settings.broker_watch_interval_s)
        self._lease = FileLock(settings.data_dir / "locks" / f"{self.name}.pipeline.lock")
        self.pipeline_running = False
        self._pipeline_tasks: list[asyncio.Task[Any]] = []
        self.db.on_commit(self._committed)
        self.audit = AuditTrail(self.db)
        # the child's case ids this service knows (for the audit report); a service that stores the patient
        # reference sets it in its composition root
        self.cases_of_child: Callable[[str], list[str]] = lambda patient_ref: []
        self.verifier = TokenVerifier(settings.auth_issuer, settings.auth_audience, settings.auth_jwks_url,
                                      settings.auth_jwks_file or settings.data_dir / "keys" / "jwks.json")
        self.started_at = time.monotonic()
        self.http_metrics = CollectorRegistry(auto_describe=True)
        self.ready = False
        self._background: list[Callable[[], Any]] = []
        self.openapi_models: tuple[type, ...] = ()  # extra schemas the OpenAPI document names (e.g. form parts)

    # -- publishing ---------------------------------------------------------------------------
    def _declare_publishers(self) -> dict[str, Any]:
        """One publisher object per topic this service owns; they document the events in AsyncAPI."""
        owned: dict[str, list[type]] = {}
        for cls in ALL_EVENTS:
            if self.name == cls.PRODUCER:
                owned.setdefault(cls.TOPIC, []).append(cls)
        pubs = {}
        for topic, classes in owned.items():
            schema = Union[tuple(classes)] if len(classes) > 1 else classes[0]  # type: ignore[valid-type]
            pubs[topic] = self.broker.publisher(
                topic, title=f"{topic}:publish", schema=schema,
                description=f"Owned by {self.name}. Events: {', '.join(c.__name__ for c in classes)}. "
                            "Key: case id (telephony: call id).")
        return pubs

    def _committed(self) -> None:
        """After every commit (possibly in a worker thread): this process's relay, or the one of the worker
        that runs the pipeline."""
        if self.doorbell is not None and not self.pipeline_running:
            self.doorbell.ring()
        else:
            self.relay.wake()

    async def _heal_forgetful_broker(self, previous: str, current: str) -> None:
        """The broker restarted empty: our topics, our outbox, our positions (see broker_watch.py)."""
        bootstrap = self.settings.kafka_bootstrap_servers
        owned = sorted(self.publishers) + [dead_letter_topic(g) for g in self.consumers.groups]
        async with self.relay.lock:  # no send of ours may auto-create a topic while we make it
            made = await remake_topics(bootstrap, owned, self.settings.kafka_topic_partitions)
            # the producer may have cached a topic auto-created meanwhile with the broker's default count
            if self.relay_producer is not None:
                await self.relay_producer.client.force_metadata_update()
            n = await asyncio.to_thread(self.relay.mark_all_unsent)
        self.relay.wake()
        log.warning("new broker %s: topics %s; re-publishing %d outbox events", current, made, n)
        consumed = self.consumers.consumed_topics()
        if consumed:
            # the owners re-make the topics we read; rewind once they are right and the group has settled
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
            await admin.start()
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    counts = await partition_counts(admin, consumed)
                    if all(c == self.settings.kafka_topic_partitions for c in counts.values()):
                        break
                    await asyncio.sleep(0.5)
            finally:
                await admin.close()
            await asyncio.sleep(self.settings.kafka_session_timeout_ms / 1000)  # let the rebalance finish
            await self.consumers.rewind()

    # -- wiring ---------------------------------------------------------------------------------
    def include(self, router: KafkaRouter) -> None:
        self.broker.include_router(router)

    def topics_written(self) -> list[str]:
        """Every topic this service publishes to: the ones it owns and its consumers' dead-letter topics."""
        return [*self.publishers, *(dead_letter_topic(g) for g in self.consumers.groups)]

    def on_start(self, factory: Callable[[], Any]) -> None:
        """Register a coroutine factory to run as a background task while the service runs."""
        self._background.append(factory)

    def asyncapi(self) -> AsyncAPI:
        return _ServiceAsyncAPI(self.broker, title=f"En väg in — {self.title}", version="1.0.0",
                        description=self.description, schema_version="3.0.0")

    def migrate(self) -> None:
        if self.migrations_dir is None:  # throwaway services in tests only
            self.db.create_all()
        else:
            migrations.upgrade(self.db, self.migrations_dir)

    # -- lifecycle --------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self, app: FastAPI):  # type: ignore[no-untyped-def]
        s = self.settings
        setup_logging(self.name, s.log_file)
        setup_tracing(self.name, s.otlp_endpoint, s.span_log)
        shared = s.http_workers > 1
        if shared:  # several worker processes (workers.py): one migrates at a time, one runs the pipeline
            migrating = FileLock(s.data_dir / "locks" / f"{self.name}.migrate.lock")
            await asyncio.to_thread(migrating.acquire, True)
            try:
                await asyncio.to_thread(self.migrate)
            finally:
                migrating.release()
        else:
            await asyncio.to_thread(self.migrate)
        tasks: list[asyncio.Task[Any]] = []
        if not shared or self._lease.acquire(blocking=False):
            await self._start_pipeline(republish=s.outbox_republish_on_start)
        else:
            tasks.append(asyncio.create_task(self._take_over_when_free(), name="pipeline-lease"))
        self.ready = True
        log.info("%s ready on %s:%s%s", self.name, s.http_host, s.http_port,
                 "" if self.pipeline_running else " (HTTP only; another worker runs the pipeline)")
        try:
            yield
        finally:
            self.ready = False
            log.info("%s stopping: finishing in-flight work", self.name)
            for t in tasks:
                t.cancel()
            await self._stop_pipeline()
            self._lease.release()
            shutdown_tracing()
            self.db.dispose()
            log.info("%s stopped", self.name)

    async def _start_pipeline(self, republish: bool) -> None:
        """Outbox relay, dead-letter producer, consumers and background tasks."""
        s = self.settings
        if republish:
            n = await asyncio.to_thread(self.relay.mark_all_unsent)
            log.info("embedded broker restarted: re-publishing %d outbox events", n)
        if s.kafka_create_topics:  # real Kafka creates no topic by itself (auto.create.topics.enable=false)
            await ensure_topics(s.kafka_bootstrap_servers, self.topics_written(), partitions=s.kafka_topic_partitions,
                                replication=s.kafka_replication_factor, min_insync=s.kafka_min_insync_replicas,
                                client_id=f"en-vag-in-{self.name}-topics")
        self.dead_letters.producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all",
                                                      enable_idempotence=s.kafka_idempotence,
                                                      client_id=f"en-vag-in-{self.name}-dlq",
                                                      # carries on whatever a consumer fetched, headers added
                                                      max_request_size=s.kafka_max_fetch_bytes + 1024 * 1024)
        await self.dead_letters.producer.start()
        self.relay_producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all",
                                               enable_idempotence=s.kafka_idempotence,
                                               client_id=f"en-vag-in-{self.name}",
                                               # the guard counts; headroom for framing
                                               max_request_size=s.kafka_max_message_bytes + 64 * 1024)
        await self.relay_producer.start()
        if s.broker_watch_interval_s > 0:
            await self.broker_watch.check()  # the cluster we start on
        await self.broker.start()
        adopt_library_loggers()
        self.relay.start()
        if self.doorbell is not None and not self.doorbell.listen(self.relay.wake):
            self.relay.idle_s = 0.05  # rows of the other workers reach this relay only by polling
            log.warning("%s: outbox doorbell %r taken; the relay polls every 50 ms", self.name, self.doorbell.address)
        self._pipeline_tasks = [asyncio.create_task(f()) for f in self._background]
        if s.broker_watch_interval_s > 0:
            self._pipeline_tasks.append(asyncio.create_task(self.broker_watch.run(), name="broker-watch"))
        self.pipeline_running = True

    async def _stop_pipeline(self) -> None:
        if not self.pipeline_running:
            return
        for t in self._pipeline_tasks:
            t.cancel()
        await self.broker.stop()  # waits for in-flight handlers (graceful_timeout), then commits
        await self.relay.stop()
        if self.relay_producer is not None:
            await self.relay_producer.stop()
        if self.doorbell is not None:
            self.doorbell.close()
        await self.dead_letters.producer.stop()
        self.pipeline_running = False

    async def _take_over_when_free(self) -> None:
        """A follower worker: run the pipeline once the worker holding the lease has gone."""
        while not self._lease.acquire(blocking=False):
            await asyncio.sleep(1.0)
        log.warning("%s: this worker takes over the event pipeline", self.name)
        await self._start_pipeline(republish=False)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Any] = {"started": self.ready, "runs_pipeline": self.pipeline_running}
        try:
            with Session(self.db.engine) as sess:
                sess.exec(text("SELECT 1"))  # type: ignore[call-overload]
                checks["outbox_unsent"] = sess.exec(select(func.count()).select_from(OutboxRow)
                                                    .where(OutboxRow.sent_at.is_(None))).one()  # type: ignore[union-attr]
            checks["database"] = "ok"
        except OperationalError:
            checks["database"] = "unreachable"
        stalled = self.consumers.stats.stalled(self.settings.stall_after_s)
        checks["stalled_consumers"] = stalled
        checks["relay_error"] = self.relay.last_error
        ok = self.ready and checks["database"] == "ok" and not stalled
        return ok, checks

    async def pipeline(self) -> PipelineState:
        if self.settings.http_workers > 1 and not self.pipeline_running:
            # a follower HTTP worker (workers.py): the relay that must advance is the lease holder's, not this idle one
            self.relay.last_advance = time.monotonic()
        return await look(self.settings, self.relay, self.consumers, self.started_at)

    async def metrics_text(self) -> str:
        state = await self.pipeline()
        return self._counter_text() + "\n".join(gauge_lines(self.name, state, self.relay, self.consumers)) + "\n" \
            + generate_latest(self.http_metrics).decode()

    def _counter_text(self) -> str:
        st = self.consumers.stats
        lines = []
        for name, counter in (("applied", st.applied), ("duplicates", st.duplicates), ("skipped", st.skipped),
                              ("retries", st.retries), ("dead_lettered", st.dead_lettered)):
            lines.append(f"# TYPE kontakt_consumer_{name}_total counter")
            for group, n in counter.items():
                lines.append(f'kontakt_consumer_{name}_total{{service="{self.name}",group="{group}"}} {n}')
        lines.append("# TYPE kontakt_outbox_published_total counter")
        lines.append(f'kontakt_outbox_published_total{{service="{self.name}"}} {self.relay.published}')
        return "\n".join(lines) + "\n"

    def create_app(self, routers: Sequence[APIRouter] = ()) -> FastAPI:
        app = FastAPI(title=f"En väg in — {self.title}", description=self.description, lifespan=self.lifespan,
                      version="1.0.0")
        app.state.runtime = self
        app.state.verifier = self.verifier
        install_error_handlers(app)
        app.add_middleware(CaseTraceMiddleware)
        # HTTP rate, errors and duration per route; its own registry, so several services share a process in tests
        Instrumentator(registry=self.http_metrics, excluded_handlers=["/metrics", "/health/.*"]).instrument(app)

        @app.get("/health/live", tags=["ops"], summary="Liveness: the process answers.")
        def live() -> dict[str, str]:
            return {"status": "alive"}

        @app.get("/health/ready", tags=["ops"],
                 summary="Readiness: started, database reachable, no consumer stuck in one message (503 otherwise). "
                         "The pipeline's own state is in `pipeline` but does not change the status: use "
                         "/health/pipeline for that.")
        async def ready(request: Request) -> JSONResponse:
            ok, checks = await asyncio.to_thread(self.readiness)
            state = await self.pipeline()
            body = {"status": "ready" if ok else "not ready", **checks,
                    "pipeline": "degraded" if state.reasons else "flowing", "degraded": state.reasons}
            return JSONResponse(for_whom(body, await asked_by_ops(request), PUBLIC_READY),
                                status_code=200 if ok else 503)

        @app.get("/health/pipeline", tags=["ops"],
                 summary="Whether events flow: 200 'flowing', or 503 'degraded' with the reasons (parked outbox "
                         "rows, relay stalled, old unsent rows, consumer lag without progress, new dead letters). "
                         "For alerts and load balancers that must see it; the reasons, lag and outbox counts "
                         "only with an ops token.")
        async def pipeline(request: Request) -> JSONResponse:
            state = await self.pipeline()
            return JSONResponse(for_whom(pipeline_body(state), await asked_by_ops(request), ("status",)),
                                status_code=503 if state.reasons else 200)

        @app.get("/metrics", tags=["ops"], summary="Prometheus metrics.", response_class=PlainTextResponse)
        async def metrics() -> str:
            return await self.metrics_text()

        app.include_router(ops_router(self))

        for r in routers:
            app.include_router(r)
        app.include_router(audit_routes(self.audit, self.name, lambda ref: self.cases_of_child(ref)))
        # outermost of ours: refuses an oversized body before any route or form parser reads it
        app.add_middleware(BodyLimit, default_bytes=self.settings.max_body_bytes, overrides=route_limits(api_routes(app)))
        install_openapi(app, self.settings.max_body_bytes, self.openapi_models)
        return app


class RedriveIn(BaseModel):
    ids: list[RowId] | None = Field(None, max_length=MAX_IDS, examples=[[17, 18]],
                                    description="Outbox row ids to re-drive; none means every parked row.")


def ops_router(rt: ServiceRuntime) -> APIRouter:
    """Parked outbox rows: what the broker refused for good, and putting them back in line after a fix."""
    router = APIRouter(prefix="/ops/outbox", tags=["ops"])

    @router.get("/parked", summary="Outbox rows set aside because the broker refused them for good. Roles: ops.")
    def parked(staff: Staff = require("ops")) -> dict[str, Any]:
        rows = rt.relay.parked_rows()
        return {"parked": [{"id": r.id, "event_id": r.event_id, "event_type": r.event_type, "topic": r.topic,
                            "key": r.key, "bytes": len(r.payload), "created_at": r.created_at,
                            "parked_at": r.parked_at, "reason": r.parked_reason} for r in rows]}

    @router.post("/redrive", summary="Put parked rows back in line (after a fix). Roles: ops.")
    def redrive(body: RedriveIn, staff: Staff = require("ops")) -> dict[str, int]:
        n = rt.relay.redrive(body.ids)
        log.info("ops %s re-drove %d parked outbox rows", staff.subject, n)
        return {"redriven": n}

    return router


class _ServiceAsyncAPI(AsyncAPI):
    """An AsyncAPI spec that `faststream docs gen --factory` takes as is (the CLI reads `app.schema`)."""

    @property
    def schema(self) -> AsyncAPI:
        return self


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


