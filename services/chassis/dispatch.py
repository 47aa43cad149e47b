"""One consumer group's handler map: each decoded event goes to the handler registered for its class."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from contracts.envelope import Event
from services.chassis.db import UnitOfWork
from services.chassis.decode import PermanentError
from services.chassis.records import Located
from services.chassis.tracing import consume_span, start_consume_span

E = TypeVar("E", bound=Event)
Handler = Callable[[Event, UnitOfWork], None]
BatchHandler = Callable[[list[Event], UnitOfWork], None]


class ConsumerGroup:
    """One consumer group: the topics it reads and one typed handler per event class it handles.

    The chassis decodes each record once into its concrete event class and dispatches on `event_type`
    here, so a handler receives exactly the class it registered for (cosmicpython's handler map).
    Events of a type without a handler are skipped; a group may instead take whole batches
    (`on_batch`), for projections that fold many events at once."""

    def __init__(self, name: str, topics: tuple[str, ...]) -> None:
        self.name = name
        self.topics = topics
        self.handlers: dict[str, Handler] = {}
        self.batch_handler: BatchHandler | None = None
        self._batch_types: frozenset[str] = frozenset()

    def on(self, cls: type[E]) -> Callable[[Callable[[E, UnitOfWork], None]], Callable[[E, UnitOfWork], None]]:
        """Register `handler(event: cls, uow)` for events of `cls`."""
        if self.batch_handler is not None:
            raise ValueError(f"{self.name} takes batches; it cannot also have per-event handlers")
        event_type = cls.__name__
        if event_type in self.handlers:
            raise ValueError(f"{self.name} already has a handler for {event_type}")

        def register(handler: Callable[[E, UnitOfWork], None]) -> Callable[[E, UnitOfWork], None]:
            def typed(event: Event, uow: UnitOfWork) -> None:
                if not isinstance(event, cls):  # parse_event makes the registered class; anything else is foreign
                    raise PermanentError(f"{event_type} did not decode as {cls.__name__}")
                handler(event, uow)

            typed.__name__ = typed.__qualname__ = handler.__name__
            typed.__doc__ = handler.__doc__
            self.handlers[event_type] = typed
            return handler

        return register

    def on_batch(self, types: Iterable[str]) -> Callable[[BatchHandler], BatchHandler]:
        """Register `handler(events, uow)` taking every new event of `types` in a fetched batch at once."""
        if self.handlers:
            raise ValueError(f"{self.name} has per-event handlers; it cannot also take batches")

        def register(handler: BatchHandler) -> BatchHandler:
            self.batch_handler = handler
            self._batch_types = frozenset(types)
            return handler

        return register

    @property
    def types(self) -> frozenset[str]:
        return self._batch_types if self.batch_handler is not None else frozenset(self.handlers)

    def dispatch(self, event: Event, uow: UnitOfWork) -> None:
        """Apply one event with its handler (a batch handler gets a batch of one)."""
        if self.batch_handler is not None:
            self.batch_handler([event], uow)
            return
        handler = self.handlers.get(event.event_type)
        if handler is None:
            raise PermanentError(f"{self.name} has no handler for {event.event_type}")
        handler(event, uow)

    def apply_all(self, items: Sequence[tuple[Event, Located]], uow: UnitOfWork) -> None:
        """Apply new events in one transaction: the batch handler once, or each event's handler in order,
        each in its own consume span in the trace its headers carry."""
        if self.batch_handler is not None:
            # one consume span per event, in the trace its headers carry, spanning the fold of the whole batch
            spans = [start_consume_span(self.name, record) for _, record in items]
            try:
                self.batch_handler([event for event, _ in items], uow)
            finally:
                for span in spans:
                    span.end()
            return
        for event, record in items:
            with consume_span(self.name, record):
                self.dispatch(event, uow)
