"""A service's consumer groups as data: one module-level handler per event class, registered from one list.

A handler is `def on_x(event: X, uow: UnitOfWork, deps: D) -> None`: the event it handles, the unit of work
its changes go into, and the service's dependencies (clock, reference data, ...) that the composition root
hands over once. `handlers.py` lists its groups as `SUBSCRIPTIONS`; `app.py` registers them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from faststream.kafka import KafkaRouter

from contracts.envelope import Event
from services.chassis.consumers import Consumers
from services.chassis.db import UnitOfWork

D = TypeVar("D")
E = TypeVar("E", bound=Event)

BatchHandlerWithDeps = Callable[[list[Event], UnitOfWork, D], None]


@dataclass(frozen=True)
class On(Generic[D]):
    """One event class and the handler that applies it."""

    event: type[Event]
    handler: Callable[[Any, UnitOfWork, D], None]


def on(event: type[E], handler: Callable[[E, UnitOfWork, D], None]) -> On[D]:
    """Pair an event class with its handler; the handler's first parameter is typed by the class."""
    return On(event, handler)


@dataclass(frozen=True)
class Subscription(Generic[D]):
    """One consumer group: its name, the topics it reads, and either one handler per event class or one
    handler for whole batches of the named event types (projections)."""

    name: str
    topics: tuple[str, ...]
    handlers: tuple[On[D], ...] = ()
    description: str = ""
    batch: BatchHandlerWithDeps[D] | None = None
    batch_types: frozenset[str] = field(default_factory=frozenset)


def _bind(fn: Callable[[Any, UnitOfWork, D], None], deps: D) -> Callable[[Any, UnitOfWork], None]:
    def bound(event: Any, uow: UnitOfWork) -> None:
        fn(event, uow, deps)

    bound.__name__ = bound.__qualname__ = fn.__name__
    bound.__doc__ = fn.__doc__
    return bound


def register(consumers: Consumers, router: KafkaRouter, subscriptions: Iterable[Subscription[D]], deps: D) -> None:
    """Register every group of `subscriptions` on `router`, each handler bound to `deps`."""
    for sub in subscriptions:
        group = consumers.group(router, *sub.topics, name=sub.name, description=sub.description)
        if sub.batch is not None:
            group.on_batch(sub.batch_types)(_bind(sub.batch, deps))
        for h in sub.handlers:
            group.on(h.event)(_bind(h.handler, deps))


def handled_types(subscriptions: Sequence[Subscription[Any]]) -> set[str]:
    """Every event type some group of `subscriptions` handles (for tests and docs)."""
    return {h.event.__name__ for s in subscriptions for h in s.handlers} | {t for s in subscriptions for t in s.batch_types}
