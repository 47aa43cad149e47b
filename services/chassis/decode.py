"""Turning a fetched record into its event, or into the reason it can never be applied (a dead letter)."""
from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from pydantic import ValidationError

from contracts.envelope import Event
from contracts.registry import NewerSchemaVersion, UnknownEventType, parse_event
from services.chassis.records import Record


class PermanentError(Exception):
    """The message can never be applied (bad bytes, bad schema): dead-letter at once."""


def raw_decoder(msg: Any) -> bytes:
    """Keep the bytes: decoding happens inside the consumer so failures can be dead-lettered."""
    body: bytes = msg.body
    return body


def _readable(record: Any) -> Any:
    clean = copy.copy(record)
    clean.headers = [(k, v.decode("utf-8", "replace").encode()) for k, v in record.headers or ()]
    return clean


async def tolerant_parser(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and fails before any handler runs, so the
    batch could be neither applied nor dead-lettered. Parse copies with readable headers and keep
    the original records, so `process_batch` dead-letters the bad one with its bytes untouched."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        if isinstance(records, tuple):
            msg = await original(tuple(_readable(r) for r in records))
        else:
            msg = await original(_readable(records))
        msg.raw_message = records
        return msg


def check_headers(headers: Iterable[tuple[str, bytes]] | None) -> None:
    for name, value in headers or ():
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PermanentError(f"header {name!r} is not UTF-8") from exc


def declared_type(headers: Iterable[tuple[str, bytes]] | None) -> str | None:
    """The `event_type` header our relay puts on every record (None if absent or unreadable): a group can
    pass over a type it has no handler for without parsing the value."""
    for name, value in headers or ():
        if name == "event_type":
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None


def check_record(record: Record, max_bytes: int | None) -> None:
    """A value larger than any of our producers may send is foreign or broken: never applied."""
    size = len(record.value or b"")
    if max_bytes is not None and size > max_bytes:
        raise PermanentError(f"record of {size} bytes is larger than the largest event a producer may send "
                             f"({max_bytes})")


def check_key(record: Record, event: Event) -> None:
    """The Kafka key must be the event's case id (call id for case-less telephony): a wrong or missing key
    puts the event on another partition than its case, so applying it could reorder the case. The reason
    names no value: a buggy producer's key could be anything."""
    if record.key is None:
        raise PermanentError("record has no key; events are keyed by their case id (telephony: call id)")
    if record.key != event.key.encode():
        raise PermanentError("record key does not match the event's case id (telephony: call id)")


def decode(value: bytes | None) -> Event:
    if value is None:
        raise PermanentError("null value (tombstone) on an event topic")
    try:
        return parse_event(value)
    except (UnicodeDecodeError, ValueError, ValidationError, UnknownEventType, NewerSchemaVersion, KeyError) as exc:
        raise PermanentError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc


def checked(record: Record, max_bytes: int | None) -> Event:
    """The record's event, after every check a record must pass before it is applied (PermanentError if not)."""
    check_headers(record.headers)
    check_record(record, max_bytes)
    event = decode(record.value)
    check_key(record, event)
    return event
