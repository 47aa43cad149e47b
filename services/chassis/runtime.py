"""One service process wired once: database, broker, consumers, event pipeline, audit, HTTP app."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel
from sqlalchemy import MetaData

from services.chassis import migrations
from services.chassis.audit import AuditTrail, audit_routes
from services.chassis.auth import TokenVerifier
from services.chassis.broker import asyncapi_of, declare_publishers, make_broker
from services.chassis.clock import Clock, SystemClock
from services.chassis.consumers import Consumers
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.errors import install_error_handlers
from services.chassis.health import Health, PipelineState
from services.chassis.limits import BodyLimit, route_limits
from services.chassis.openapi import api_routes, install_openapi
from services.chassis.ops_http import health_routes, outbox_routes
from services.chassis.pipeline import BackgroundTask, Pipeline
from services.chassis.relay import OutboxRelay
from services.chassis.settings import ServiceSettings
from services.chassis.tables import chassis_metadata
from services.chassis.telemetry import setup_logging, setup_tracing, shutdown_tracing
from services.chassis.tracing import CaseTraceMiddleware

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
        self.db = Database(settings.resolved_database_url(), [chassis_metadata, *metadatas],
                           max_event_bytes=settings.kafka_max_message_bytes)
        self.migrations_dir = migrations_dir
        self.broker = make_broker(settings)
        self.dead_letters = DeadLetters()
        self.consumers = Consumers(self.db, self.dead_letters, max_attempts=settings.consumer_max_attempts,
                                   backoff_base_s=settings.consumer_backoff_base_s,
                                   backoff_max_s=settings.consumer_backoff_max_s,
                                   session_timeout_ms=settings.kafka_session_timeout_ms,
                                   group_prefix=settings.consumer_group_prefix,
                                   max_poll_interval_ms=settings.consumer_max_poll_interval_ms,
                                   max_record_bytes=settings.kafka_max_message_bytes,
                                   max_fetch_bytes=settings.kafka_max_fetch_bytes)
        self.publishers = declare_publishers(self.broker, self.name)
        self.pipeline = Pipeline(settings, self.db, self.broker, self.consumers, owned_topics=list(self.publishers))
        self.audit = AuditTrail(self.db)
        # the child's case ids this service knows (for the audit report); a service that stores the patient
        # reference sets it in its composition root
        self.cases_of_child: Callable[[str], list[str]] = lambda patient_ref: []
        self.verifier = TokenVerifier(settings.auth_issuer, settings.auth_audience, settings.auth_jwks_url,
                                      settings.auth_jwks_file or settings.data_dir / "keys" / "jwks.json")
        self.health = Health(settings, self.pipeline, CollectorRegistry(auto_describe=True))
        self.openapi_models: tuple[type[BaseModel], ...] = ()  # extra schemas the OpenAPI document names

    @property
    def relay(self) -> OutboxRelay:
        return self.pipeline.relay

    @property
    def ready(self) -> bool:
        return self.pipeline.ready

    # -- wiring ---------------------------------------------------------------------------------
    def include(self, router: KafkaRouter) -> None:
        self.broker.include_router(router)

    def topics_written(self) -> list[str]:
        """Every topic this service publishes to: the ones it owns and its consumers' dead-letter topics."""
        return self.pipeline.topics_written()

    def on_start(self, factory: BackgroundTask) -> None:
        """Register a coroutine factory to run as a background task while the service runs."""
        self.pipeline.background.append(factory)

    def asyncapi(self) -> AsyncAPI:
        return asyncapi_of(self.broker, self.title, self.description)

    def migrate(self) -> None:
        if self.migrations_dir is None:  # throwaway services in tests only
            self.db.create_all()
        else:
            migrations.upgrade(self.db, self.migrations_dir)

    # -- health ---------------------------------------------------------------------------------
    def readiness(self) -> tuple[bool, dict[str, Any]]:
        return self.health.readiness()

    async def pipeline_state(self) -> PipelineState:
        return await self.health.state()

    async def metrics_text(self) -> str:
        return await self.health.metrics_text()

    # -- lifecycle --------------------------------------------------------------------------------
    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        s = self.settings
        setup_logging(self.name, s.log_file)
        setup_tracing(self.name, s.otlp_endpoint, s.span_log)
        try:
            async with self.pipeline.serving(self.migrate):
                yield
        finally:
            shutdown_tracing()
            self.db.dispose()
            log.info("%s stopped", self.name)

    def create_app(self, routers: Sequence[APIRouter] = ()) -> FastAPI:
        app = FastAPI(title=f"En väg in — {self.title}", description=self.description, lifespan=self.lifespan,
                      version="1.0.0")
        app.state.runtime = self
        app.state.verifier = self.verifier
        app.state.health = self.health
        app.state.metrics_text = self.metrics_text
        install_error_handlers(app)
        app.add_middleware(CaseTraceMiddleware)
        # HTTP rate, errors and duration per route; its own registry, so several services share a process in tests
        Instrumentator(registry=self.health.http_metrics, excluded_handlers=["/metrics", "/health/.*"]).instrument(app)
        app.include_router(health_routes)
        app.include_router(outbox_routes)
        for r in routers:
            app.include_router(r)
        app.include_router(audit_routes(self.audit, self.name, lambda ref: self.cases_of_child(ref)))
        # outermost of ours: refuses an oversized body before any route or form parser reads it
        app.add_middleware(BodyLimit, default_bytes=self.settings.max_body_bytes, overrides=route_limits(api_routes(app)))
        install_openapi(app, self.settings.max_body_bytes, self.openapi_models)
        return app


def runtime_of(request: Request) -> ServiceRuntime:
    """The service's runtime, for a route's `Depends` (put on `app.state.runtime` by `create_app`)."""
    rt: ServiceRuntime = request.app.state.runtime
    return rt
