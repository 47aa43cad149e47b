"""The catalogue: every event type, its topic and owner, parsing with upcasting."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from contracts import booking, callbacks, intake, kpi, notifications, triage
from contracts.envelope import Event

ALL_EVENTS: list[type[Event]] = [*intake.EVENTS, *callbacks.EVENTS, *triage.EVENTS, *booking.EVENTS, *notifications.EVENTS, *kpi.EVENTS]
EVENT_TYPES: dict[str, type[Event]] = {cls.__name__: cls for cls in ALL_EVENTS}

# topic -> owning (single publishing) service
TOPIC_OWNERS: dict[str, str] = {}
for _cls in ALL_EVENTS:
    TOPIC_OWNERS.setdefault(_cls.TOPIC, _cls.PRODUCER)
    assert TOPIC_OWNERS[_cls.TOPIC] == _cls.PRODUCER, f"{_cls.TOPIC} has two owners"

# (event_type, from_version) -> function turning a v(from) dict into v(from+1)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def dead_letter_topic(consumer_group: str) -> str:
    return f"{consumer_group}.dlq"


class UnknownEventType(ValueError):
    pass


class NewerSchemaVersion(ValueError):
    """The event was written by a newer producer than this consumer understands."""


def topic_of(event_type: str) -> str:
    return EVENT_TYPES[event_type].TOPIC


def upcast(data: dict[str, Any]) -> dict[str, Any]:
    cls = EVENT_TYPES[data["event_type"]]
    version = int(data.get("schema_version", 1))
    if version > cls.SCHEMA_VERSION:
        raise NewerSchemaVersion(f"{cls.__name__} v{version} is newer than v{cls.SCHEMA_VERSION}")
    while version < cls.SCHEMA_VERSION:
        data = UPCASTERS[(cls.__name__, version)](data)
        version += 1
        data["schema_version"] = version
    return data


def parse_event(raw: bytes | str | dict[str, Any]) -> Event:
    """Decode bytes from the bus into the right event class, upcasting older versions."""
    data = raw if isinstance(raw, dict) else json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("event is not a JSON object")
    event_type = data.get("event_type")
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event_type {event_type!r}")
    return EVENT_TYPES[event_type].model_validate(upcast(dict(data)))
