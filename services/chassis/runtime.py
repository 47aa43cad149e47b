"""One service process wired once from its ServiceSpec: broker, consumers, event pipeline, health, HTTP app."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Generic

from fastapi import FastAPI, Request
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from services.chassis import migrations
from services.chassis.audit import ChildReport, audit_routes
from services.chassis.auth import TokenVerifier
from services.chassis.broker import asyncapi_of, declare_publishers, make_broker
from services.chassis.consumers import Consumers
from services.chassis.errors import install_error_handlers
from services.chassis.health import Health
from services.chassis.limits import BodyLimit, route_limits
from services.chassis.openapi import api_routes, install_openapi
from services.chassis.ops_http import health_routes, outbox_routes
from services.chassis.pipeline import Pipeline
from services.chassis.relay import OutboxRelay
from services.chassis.settings import ServiceSettings
from services.chassis.spec import D, S, ServiceSpec
from services.chassis.subscriptions import register
from services.chassis.telemetry import setup_logging, setup_tracing, shutdown_tracing
from services.chassis.tracing import CaseTraceMiddleware

log = logging.getLogger("kontakt.runtime")


def make_consumers(settings: ServiceSettings, spec: ServiceSpec[Any, Any]) -> Consumers:
    return Consumers(spec.infra.db, spec.dead_letters, max_attempts=settings.consumer_max_attempts,
                     backoff_base_s=settings.consumer_backoff_base_s, backoff_max_s=settings.consumer_backoff_max_s,
                     session_timeout_ms=settings.kafka_session_timeout_ms, group_prefix=settings.consumer_group_prefix,
                     max_poll_interval_ms=settings.consumer_max_poll_interval_ms,
                     max_record_bytes=settings.kafka_max_message_bytes, max_fetch_bytes=settings.kafka_max_fetch_bytes,
                     fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms)


class ServiceRuntime(Generic[S, D]):
    """Everything a service's handlers and routes need, wired once from its spec (`rt.app` is its HTTP app)."""

    def __init__(self, spec: ServiceSpec[S, D]) -> None:
        infra = spec.infra
        self.spec = spec
        self.infra = infra
        self.settings: S = infra.settings
        self.name = self.settings.service_name
        self.clock, self.db, self.audit = infra.clock, infra.db, infra.audit
        self.deps: D = spec.deps
        self.broker = make_broker(self.settings)
        self.dead_letters = spec.dead_letters
        self.consumers = make_consumers(self.settings, spec)
        self.publishers = declare_publishers(self.broker, self.name)
        router = KafkaRouter()
        register(self.consumers, router, spec.subscriptions, spec.deps)
        self.broker.include_router(router)
        self.pipeline = Pipeline(self.settings, self.db, self.broker, self.consumers,
                                 owned_topics=list(self.publishers), background=spec.background)
        for listener in spec.on_commit:
            self.db.on_commit(listener)
        self.verifier = TokenVerifier(self.settings.auth_issuer, self.settings.auth_audience,
                                      self.settings.auth_jwks_url,
                                      self.settings.auth_jwks_file or self.settings.data_dir / "keys" / "jwks.json")
        self.health = Health(self.settings, self.pipeline, CollectorRegistry(auto_describe=True), spec.metrics)
        self.app = self._create_app()

    @property
    def relay(self) -> OutboxRelay:
        return self.pipeline.relay

    @property
    def ready(self) -> bool:
        return self.pipeline.ready

    def topics_written(self) -> list[str]:
        """Every topic this service publishes to: the ones it owns and its consumers' dead-letter topics."""
        return self.pipeline.topics_written()

    def asyncapi(self) -> AsyncAPI:
        return asyncapi_of(self.broker, self.spec.title, self.spec.description)

    def migrate(self) -> None:
        if self.spec.migrations is None:  # throwaway services in tests only
            self.db.create_all()
        else:
            migrations.upgrade(self.db, self.spec.migrations)
        for upkeep in self.spec.after_migrate:  # e.g. kpi's kept figures rebuilt when its definitions changed
            upkeep(self.db)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        return self.health.readiness()

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

    def _create_app(self) -> FastAPI:
        spec = self.spec
        app = FastAPI(title=f"En väg in — {spec.title}", description=spec.description, lifespan=self.lifespan,
                      version="1.0.0")
        app.state.runtime = self
        app.state.deps = spec.deps
        app.state.verifier = self.verifier
        app.state.health = self.health
        app.state.audit_report = ChildReport(self.audit, self.name, spec.cases_of_child)
        for key, value in spec.app_state.items():
            setattr(app.state, key, value)
        install_error_handlers(app)
        for exc_class, handler in spec.exception_handlers.items():
            app.add_exception_handler(exc_class, handler)
        app.add_middleware(CaseTraceMiddleware)
        # HTTP rate, errors and duration per route; its own registry, so several services share a process in tests
        # statuses kept apart (not folded into "4xx"): a 409 is an expected refusal (the time was taken meanwhile),
        # not a client's error, and alerts and dashboards must be able to tell them apart
        Instrumentator(registry=self.health.http_metrics, excluded_handlers=["/metrics", "/health/.*"],
                       should_group_status_codes=False).instrument(app)
        for router in (health_routes, outbox_routes, *spec.routers, audit_routes):
            app.include_router(router)
        # outermost of ours: refuses an oversized body before any route or form parser reads it
        app.add_middleware(BodyLimit, default_bytes=self.settings.max_body_bytes, overrides=route_limits(api_routes(app)))
        install_openapi(app, self.settings.max_body_bytes, tuple(spec.openapi_models))
        return app


def assemble(spec: ServiceSpec[S, D]) -> tuple[ServiceRuntime[S, D], FastAPI]:
    """The service's runtime and HTTP app (what each service's `build` returns to tests and tools)."""
    rt = ServiceRuntime(spec)
    return rt, rt.app


def asyncapi(spec: ServiceSpec[Any, Any]) -> AsyncAPI:
    """The service's AsyncAPI document: the topics it publishes and the consumer groups that read."""
    return ServiceRuntime(spec).asyncapi()


def runtime_of(request: Request) -> ServiceRuntime[Any, Any]:
    """The service's runtime, for a route's `Depends` (put on `app.state.runtime` by the runtime)."""
    rt: ServiceRuntime[Any, Any] = request.app.state.runtime
    return rt
