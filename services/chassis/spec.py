"""What a service is made of, handed to its runtime once: the service's composition root returns a ServiceSpec.

    infra = Infra.of(settings, [metadata], clock)          # settings, clock, database, audit trail
    deps = Deps(clock=infra.clock, ...)                     # what its handlers and routes take
    return ServiceSpec(title="Booking", description=..., infra=infra, migrations=MIGRATIONS, deps=deps,
                       subscriptions=SUBSCRIPTIONS, routers=routers, cases_of_child=store.cases_of_child)

The runtime (runtime.py) wires every part at construction; nothing is attached to it afterwards.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import MetaData
from typing_extensions import TypeVar

from services.chassis.audit import AuditTrail, CasesOfChild
from services.chassis.clock import Clock, SystemClock
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.settings import ServiceSettings
from services.chassis.subscriptions import Subscription
from services.chassis.tables import chassis_metadata

S = TypeVar("S", bound=ServiceSettings, default=ServiceSettings)
D = TypeVar("D", default=Any)

BackgroundTask = Callable[[], Coroutine[Any, Any, Any]]  # a coroutine factory run while the pipeline runs
ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True)
class Infra(Generic[S]):
    """The parts every service stands on, made first so the service's own dependencies can take them."""

    settings: S
    clock: Clock
    db: Database
    audit: AuditTrail

    @classmethod
    def of(cls, settings: S, tables: Sequence[MetaData], clock: Clock | None = None) -> Infra[S]:
        """The service's database (the chassis tables and `tables`), its clock (`clock`, or the system's
        shifted by the demo's offset file) and its audit trail."""
        db = Database(settings.resolved_database_url(), [chassis_metadata, *tables],
                      max_event_bytes=settings.kafka_max_message_bytes)
        return cls(settings, clock or SystemClock(settings.clock_offset_file), db, AuditTrail(db))


@dataclass(frozen=True, kw_only=True)
class ServiceSpec(Generic[S, D]):
    """Everything a service is made of. `deps` is what its handlers and routes take (routes read it from
    `app.state.deps`); `migrations` None creates the tables instead (throwaway services in tests)."""

    title: str
    description: str
    infra: Infra[S]
    migrations: Path | None
    deps: D
    subscriptions: Sequence[Subscription[D]] = ()
    routers: Sequence[APIRouter] = ()
    dead_letters: DeadLetters = field(default_factory=DeadLetters)  # how records that cannot be applied go
    metrics: Sequence[Callable[[], str]] = ()  # Prometheus text appended to the chassis's /metrics
    background: Sequence[BackgroundTask] = ()  # run by the process that runs the event pipeline
    on_commit: Sequence[Callable[[], None]] = ()  # called after every commit (possibly in a worker thread)
    exception_handlers: Mapping[type[Exception], ExceptionHandler] = field(default_factory=dict)
    cases_of_child: CasesOfChild | None = None  # for the audit report; None: this service keeps no patient ref
    openapi_models: Sequence[type[BaseModel]] = ()  # more schemas the OpenAPI document names (e.g. form parts)
    app_state: Mapping[str, object] = field(default_factory=dict)  # more on `app.state`, for tests and ops tools
