"""Outbox rows: an event as the row its unit of work stores, refused when the broker could never carry it."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate

from contracts.envelope import Event
from services.chassis.tables import OutboxRow
from services.chassis.tracing import in_case_trace

# what a record costs beyond key, value and headers (record batch and record framing), rounded up
RECORD_OVERHEAD = 512


class EventTooLarge(Exception):
    """An event would exceed the broker's message size: it can never be published, so it is never stored."""

    def __init__(self, event_type: str, size: int, limit: int, field: str) -> None:
        super().__init__(f"{event_type} would be {size} bytes on the bus, more than {limit}; largest field {field}")
        self.event_type, self.size, self.limit, self.field = event_type, size, limit, field


def event_headers(ev: Event) -> dict[str, str]:
    """Headers that travel with every event: routing facts and W3C trace context, never personal data."""
    headers = {
        "content-type": "application/json",
        "event_type": ev.event_type,
        "schema_version": str(ev.schema_version),
        "event_id": str(ev.event_id),
        "correlation_id": str(ev.correlation_id),
    }
    if ev.case_id:
        with in_case_trace(ev.case_id, f"case {ev.event_type}"):
            propagate.inject(headers)  # the case's trace, linked to what caused the event
    else:
        propagate.inject(headers)  # traceparent of the request or message that caused the event
    return headers


def largest_field(value: Any, path: str = "") -> tuple[str, int]:
    """The dotted path of the biggest leaf of a JSON-like value, and its size: what made an event too big."""
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(f"{path}.{k}" if path else str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return path, len(str(value).encode())
    best = (path, 0)
    for sub_path, sub in items:
        found = largest_field(sub, sub_path)
        if found[1] > best[1]:
            best = found
    return best


def encoded_size(values: dict[str, Any]) -> int:
    """What an outbox row's record costs on the bus: value, key, headers and framing."""
    headers = sum(len(k.encode()) + len(str(v).encode()) for k, v in values["headers"].items())
    return len(values["payload"]) + len(values["key"].encode()) + headers + RECORD_OVERHEAD


def outbox_values(ev: Event, max_bytes: int | None = None) -> dict[str, Any]:
    """The outbox row's columns for `ev`; refuses (EventTooLarge) an event the broker could never take."""
    values: dict[str, Any] = {
        "event_id": str(ev.event_id), "event_type": ev.event_type, "topic": ev.TOPIC, "key": ev.key,
        "payload": ev.model_dump_json().encode(), "headers": event_headers(ev),
        "created_at": datetime.now(UTC)}
    if max_bytes is not None and (size := encoded_size(values)) > max_bytes:
        field, _ = largest_field(ev.model_dump(mode="json"))
        raise EventTooLarge(ev.event_type, size, max_bytes, field)
    return values


def outbox_row(ev: Event, max_bytes: int | None = None) -> OutboxRow:
    """The row for `ev` as an object (tests, tools); units of work insert `outbox_values` in bulk."""
    return OutboxRow(**outbox_values(ev, max_bytes))
