"""Events that cross Kafka: the one shared vocabulary of every En väg in service."""
from contracts.envelope import Event, F, Producer, new_case_id
from contracts.registry import EVENT_TYPES, NewerSchemaVersion, UnknownEventType, parse_event, topic_of

__all__ = [
    "EVENT_TYPES",
    "Event",
    "F",
    "NewerSchemaVersion",
    "Producer",
    "UnknownEventType",
    "new_case_id",
    "parse_event",
    "topic_of",
]
