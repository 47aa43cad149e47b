"""What the chassis reads of a fetched Kafka record (aiokafka's ConsumerRecord, or a stand-in in tools)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Located(Protocol):
    """Where a record was read: what an inbox row and a consume span name."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class Record(Located, Protocol):
    """A fetched record: where it was read, its key and its bytes."""

    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class Delivered:
    """Where an event handed over outside Kafka (tools, tests) is said to come from, in its inbox row."""

    topic: str
    partition: int = -1
    offset: int = -1
    headers: Sequence[tuple[str, bytes]] = ()
