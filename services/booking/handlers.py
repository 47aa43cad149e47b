"""Kafka consumers of the booking service: decode -> domain -> store (+ outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.chassis.runtime import ServiceRuntime


def build_router(rt: ServiceRuntime) -> KafkaRouter:
    router = KafkaRouter()
    return router
