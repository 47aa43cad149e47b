"""A service's FastStream broker: its subscribers join their groups together, and one documented publisher
per topic it owns (what its AsyncAPI document shows)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI

from contracts.envelope import Event
from contracts.registry import ALL_EVENTS
from services.chassis.settings import ServiceSettings


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


def make_broker(settings: ServiceSettings) -> ParallelStartBroker:
    name = settings.service_name
    return ParallelStartBroker(
        # FastStream takes a string as ONE address: "a:9092,b:9092,c:9092" (a cluster) must be split here
        [h.strip() for h in settings.kafka_bootstrap_servers.split(",") if h.strip()], acks="all",
        enable_idempotence=settings.kafka_idempotence, client_id=f"en-vag-in-{name}", graceful_timeout=30.0,
        max_request_size=settings.kafka_max_message_bytes + 64 * 1024,  # the guard counts; headroom for framing
        middlewares=[KafkaTelemetryMiddleware()], logger=logging.getLogger(f"faststream.{name}"),
        log_level=logging.DEBUG,  # "Received"/"Processed" per message is noise at INFO
    )


def declare_publishers(broker: KafkaBroker, service: str) -> dict[str, Any]:
    """One publisher object per topic `service` owns; they document the events in AsyncAPI. (The outbox relay
    has its own producer: these are never published through.)"""
    owned: dict[str, list[type[Event]]] = {}
    for cls in ALL_EVENTS:
        if service == cls.PRODUCER:
            owned.setdefault(cls.TOPIC, []).append(cls)
    pubs: dict[str, Any] = {}
    for topic, classes in owned.items():
        schema: Any = classes[0]
        for cls in classes[1:]:
            schema = schema | cls  # a union of the topic's event classes: AsyncAPI shows each as a message
        pubs[topic] = broker.publisher(
            topic, title=f"{topic}:publish", schema=schema,
            description=f"Owned by {service}. Events: {', '.join(c.__name__ for c in classes)}. "
                        "Key: case id (telephony: call id).")
    return pubs


class _ServiceAsyncAPI(AsyncAPI):
    """An AsyncAPI spec that `faststream docs gen --factory` takes as is (the CLI reads `app.schema`)."""

    @property
    def schema(self) -> AsyncAPI:
        return self


def asyncapi_of(broker: KafkaBroker, title: str, description: str) -> AsyncAPI:
    return _ServiceAsyncAPI(broker, title=f"En väg in — {title}", version="1.0.0", description=description,
                            schema_version="3.0.0")
