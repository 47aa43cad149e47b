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
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI
from sqlalchemy import MetaData, func, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from contracts.registry import ALL_EVENTS, dead_letter_topic
from services.chassis import migrations
from services.chassis.audit import AuditTrail
from services.chassis.auth import TokenVerifier
from services.chassis.clock import Clock, SystemClock
from services.chassis.consumer import Consumers, DeadLetters
from services.chassis.db import Database
from services.chassis.errors import install_error_handlers
from services.chassis.limits import BodyLimit, route_limits
from services.chassis.openapi import api_routes, install_openapi
from services.chassis.outbox import OutboxRelay
from services.chassis.settings import ServiceSettings
from services.chassis.tables import OutboxRow, chassis_metadata
from services.chassis.topics import ensure_topics
from services.chassis.tracing import CaseTraceMiddleware
from services.chassis.telemetry import setup_logging, setup_tracing, shutdown_tracing

log = logging.getLogger("kontakt.runtime")


class ServiceRuntime:
    """Everything a service's handlers and routes need, wired once (the composition root uses it)."""

    def __init__(self, settings: ServiceSettings, metadatas: Sequence[MetaData], migrations_dir: Path | None,
                 clock: Clock | None = None, title: str = "", description: str = "") -> None:
        self.settings = settings
        self.name = settings.service_name
        self.title = title or self.name
        self.description = description
        self.clock = clock or SystemClock(settings.clock_offset_file)
        self.db = Database(settings.resolved_database_url(), [chassis_metadata, *metadatas])
        self.migrations_dir = migrations_dir
        self.broker = KafkaBroker(
            # FastStream takes a string as ONE address: "a:9092,b:9092,c:9092" (a cluster) must be split here
            [h.strip() for h in settings.kafka_bootstrap_servers.split(",") if h.strip()], acks="all", enable_idempotence=settings.kafka_idempotence,
            client_id=f"en-vag-in-{self.name}", graceful_timeout=30.0,
            middlewares=[KafkaTelemetryMiddleware()], logger=logging.getLogger(f"faststream.{self.name}"),
            log_level=logging.DEBUG,  # "Received"/"Processed" per message is noise at INFO
        )
        self.dead_letters = DeadLetters()
        self.consumers = Consumers(self.db, self.dead_letters, max_attempts=settings.consumer_max_attempts,
                                   backoff_base_s=settings.consumer_backoff_base_s,
                                   backoff_max_s=settings.consumer_backoff_max_s,
                                   session_timeout_ms=settings.kafka_session_timeout_ms,
                                   group_prefix=settings.consumer_group_prefix,
                                   max_poll_interval_ms=settings.consumer_max_poll_interval_ms)
        self.publishers = self._declare_publishers()
        self.relay = OutboxRelay(self.db, self._publish_row)
        self.db.on_commit(self.relay.wake)
        self.audit = AuditTrail(self.db)
        self.verifier = TokenVerifier(settings.auth_issuer, settings.auth_audience, settings.auth_jwks_url,
                                      settings.auth_jwks_file or settings.data_dir / "keys" / "jwks.json")
        self.started_at = time.monotonic()
        self.ready = False
        self._background: list[Callable[[], Any]] = []
        self.openapi_models: tuple[type, ...] = ()  # extra schemas the OpenAPI document names (e.g. form parts)

    # -- publishing ---------------------------------------------------------------------------
    def _declare_publishers(self) -> dict[str, Any]:
        """One publisher object per topic this service owns; they document the events in AsyncAPI."""
        owned: dict[str, list[type]] = {}
        for cls in ALL_EVENTS:
            if cls.PRODUCER == self.name:
                owned.setdefault(cls.TOPIC, []).append(cls)
        pubs = {}
        for topic, classes in owned.items():
            schema = Union[tuple(classes)] if len(classes) > 1 else classes[0]  # type: ignore[valid-type]
            pubs[topic] = self.broker.publisher(
                topic, title=f"{topic}:publish", schema=schema,
                description=f"Owned by {self.name}. Events: {', '.join(c.__name__ for c in classes)}. "
                            "Key: case id (telephony: call id).")
        return pubs

    async def _publish_row(self, row: OutboxRow) -> None:
        await self.publishers[row.topic].publish(row.payload, key=row.key.encode(), headers=dict(row.headers))

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
        await asyncio.to_thread(self.migrate)
        if s.outbox_republish_on_start:
            n = await asyncio.to_thread(self.relay.mark_all_unsent)
            log.info("embedded broker restarted: re-publishing %d outbox events", n)
        if s.kafka_create_topics:  # real Kafka creates no topic by itself (auto.create.topics.enable=false)
            await ensure_topics(s.kafka_bootstrap_servers, self.topics_written(), partitions=s.kafka_topic_partitions,
                                replication=s.kafka_replication_factor, min_insync=s.kafka_min_insync_replicas,
                                client_id=f"en-vag-in-{self.name}-topics")
        self.dead_letters.producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all",
                                                      enable_idempotence=s.kafka_idempotence,
                                                      client_id=f"en-vag-in-{self.name}-dlq")
        await self.dead_letters.producer.start()
        await self.broker.start()
        self.relay.start()
        tasks = [asyncio.create_task(f()) for f in self._background]
        self.ready = True
        log.info("%s ready on %s:%s", self.name, s.http_host, s.http_port)
        try:
            yield
        finally:
            self.ready = False
            log.info("%s stopping: finishing in-flight work", self.name)
            for t in tasks:
                t.cancel()
            await self.broker.stop()  # waits for in-flight handlers (graceful_timeout), then commits
            await self.relay.stop()
            await self.dead_letters.producer.stop()
            shutdown_tracing()
            self.db.dispose()
            log.info("%s stopped", self.name)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        checks: dict[str, Any] = {"started": self.ready}
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

    def metrics_text(self) -> str:
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

        @app.get("/health/live", tags=["ops"], summary="Liveness: the process answers.")
        def live() -> dict[str, str]:
            return {"status": "alive"}

        @app.get("/health/ready", tags=["ops"], summary="Readiness: broker, database, consumers not stalled.")
        def ready() -> JSONResponse:
            ok, checks = self.readiness()
            return JSONResponse({"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503)

        @app.get("/metrics", tags=["ops"], summary="Prometheus metrics.", response_class=PlainTextResponse)
        def metrics() -> str:
            return self.metrics_text()

        for r in routers:
            app.include_router(r)
        # outermost of ours: refuses an oversized body before any route or form parser reads it
        app.add_middleware(BodyLimit, default_bytes=self.settings.max_body_bytes, overrides=route_limits(api_routes(app)))
        install_openapi(app, self.settings.max_body_bytes, self.openapi_models)
        return app


class _ServiceAsyncAPI(AsyncAPI):
    """An AsyncAPI spec that `faststream docs gen --factory` takes as is (the CLI reads `app.schema`)."""

    @property
    def schema(self) -> AsyncAPI:
        return self


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


