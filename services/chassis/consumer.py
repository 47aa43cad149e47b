"""Idempotent consumers: decode, apply once (inbox), retry with backoff, dead-letter, commit after."""
from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from contracts.envelope import Event
from contracts.registry import NewerSchemaVersion, UnknownEventType, dead_letter_topic, parse_event
from services.chassis.db import Database, UnitOfWork
from services.chassis.tables import InboxRow

log = logging.getLogger("kontakt.consumer")

Handler = Callable[[Event, UnitOfWork], None]


class PermanentError(Exception):
    """The message can never be applied (bad bytes, bad schema): dead-letter at once."""


@dataclass
class ConsumerStats:
    applied: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    db_waits: Counter[str] = field(default_factory=Counter)
    in_flight_since: dict[str, float] = field(default_factory=dict)
    last_progress: dict[str, float] = field(default_factory=dict)

    def stalled(self, after_s: float) -> list[str]:
        now = time.monotonic()
        return [g for g, t in self.in_flight_since.items() if now - t > after_s]


def raw_decoder(msg: Any) -> bytes:
    """Keep the bytes: decoding happens inside the consumer so failures can be dead-lettered."""
    return msg.body


async def tolerant_parser(record: Any, original: Callable[[Any], Any]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and fails before any handler runs, so the
    message could be neither applied nor dead-lettered. Parse a copy with readable headers and keep
    the original record, so `process` dead-letters it with its bytes untouched."""
    try:
        return await original(record)
    except UnicodeDecodeError:
        clean = copy.copy(record)
        clean.headers = [(k, v.decode("utf-8", "replace").encode()) for k, v in record.headers or ()]
        msg = await original(clean)
        msg.raw_message = record
        return msg


def check_headers(headers: Iterable[tuple[str, bytes]] | None) -> None:
    for name, value in headers or ():
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PermanentError(f"header {name!r} is not UTF-8") from exc


def decode(value: bytes | None) -> Event:
    if value is None:
        raise PermanentError("null value (tombstone) on an event topic")
    try:
        return parse_event(value)
    except (UnicodeDecodeError, ValueError, ValidationError, UnknownEventType, NewerSchemaVersion, KeyError) as exc:
        raise PermanentError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc


class DeadLetters:
    """Publishes the original bytes and headers plus the reason to `<consumer>.dlq`."""

    def __init__(self) -> None:
        self.producer: Any = None  # an AIOKafkaProducer with acks=all, set at start

    async def send(self, group: str, record: Any, reason: str, attempts: int) -> None:
        headers = list(record.headers or ()) + [
            ("x-dlq-reason", reason.encode("utf-8", "replace")[:1000]),
            ("x-dlq-consumer", group.encode()),
            ("x-dlq-original-topic", record.topic.encode()),
            ("x-dlq-original-partition", str(record.partition).encode()),
            ("x-dlq-original-offset", str(record.offset).encode()),
            ("x-dlq-attempts", str(attempts).encode()),
        ]
        await self.producer.send_and_wait(dead_letter_topic(group), value=record.value, key=record.key, headers=headers)


class Consumers:
    """Registers idempotent consumers on a router; one per (group, handler)."""

    def __init__(self, db: Database, dead_letters: DeadLetters, *, max_attempts: int = 5,
                 backoff_base_s: float = 0.2, backoff_max_s: float = 5.0, session_timeout_ms: int = 10_000, group_prefix: str = "",
                 max_poll_interval_ms: int = 300_000) -> None:
        self.max_poll_interval_ms = max_poll_interval_ms
        # test-only fault injection: called after a handler's transaction committed, before the offset is
        self.after_commit: Callable[[Event], None] | None = None
        self.session_timeout_ms = session_timeout_ms
        self.group_prefix = group_prefix
        self.db = db
        self.dead_letters = dead_letters
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.stats = ConsumerStats()
        self.groups: list[str] = []
        self.topics_of: dict[str, tuple[str, ...]] = {}  # group -> the topics it consumes (for lag)

    def apply(self, group: str, handler: Handler, event: Event, record: Any) -> bool:
        """Apply one event in one transaction with its inbox row. False if already applied."""
        with self.db.uow() as uow:
            if uow.session.get(InboxRow, (group, str(event.event_id))) is not None:
                return False
            uow.session.add(InboxRow(consumer=group, event_id=str(event.event_id), topic=record.topic,
                                     partition=record.partition, offset=record.offset,
                                     applied_at=datetime.now(timezone.utc)))
            handler(event, uow)
            try:
                uow.commit()
            except IntegrityError:
                # a second instance applied it between our check and commit
                return False
        if self.after_commit is not None:
            self.after_commit(event)
        return True

    async def process(self, group: str, handler: Handler, types: frozenset[str] | None, record: Any) -> str:
        self.stats.in_flight_since[group] = time.monotonic()
        try:
            try:
                check_headers(record.headers)
                event = decode(record.value)
            except PermanentError as exc:
                await self.dead_letters.send(group, record, str(exc), attempts=1)
                self.stats.dead_lettered[group] += 1
                log.warning("dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, exc)
                return "dead_lettered"
            if types is not None and event.event_type not in types:
                self.stats.skipped[group] += 1
                return "skipped"
            attempt = 0
            while True:
                attempt += 1
                try:
                    applied = await asyncio.to_thread(self.apply, group, handler, event, record)
                except PermanentError as exc:
                    await self.dead_letters.send(group, record, str(exc), attempts=attempt)
                    self.stats.dead_lettered[group] += 1
                    return "dead_lettered"
                except (OperationalError, InterfaceError) as exc:
                    # the database is away: not the message's fault. Pause this partition and keep
                    # trying (never dead-letter for an outage); nothing is skipped.
                    self.stats.db_waits[group] += 1
                    attempt -= 1
                    delay = min(self.backoff_base_s * 2 ** min(self.stats.db_waits[group], 6), self.backoff_max_s)
                    log.warning("%s waits for the database (%s), retrying in %.1fs", group, type(exc).__name__, delay)
                    await asyncio.sleep(delay)
                    continue
                except Exception as exc:  # transient until proven otherwise: retry, then dead-letter
                    if attempt >= self.max_attempts:
                        reason = f"handler failed {attempt} times: {type(exc).__name__}: {str(exc)[:300]}"
                        await self.dead_letters.send(group, record, reason, attempts=attempt)
                        self.stats.dead_lettered[group] += 1
                        log.error("dead-lettered %s after %d attempts: %s", event.event_type, attempt,
                                  type(exc).__name__)
                        return "dead_lettered"
                    self.stats.retries[group] += 1
                    delay = min(self.backoff_base_s * 2 ** (attempt - 1), self.backoff_max_s)
                    log.warning("%s failed on %s (attempt %d), retrying in %.1fs: %s", group, event.event_type,
                                attempt, delay, type(exc).__name__)
                    await asyncio.sleep(delay)
                    continue
                if applied:
                    self.stats.applied[group] += 1
                    return "applied"
                self.stats.duplicates[group] += 1
                return "duplicate"
        finally:
            self.stats.in_flight_since.pop(group, None)
            self.stats.last_progress[group] = time.monotonic()

    def subscribe(self, router: KafkaRouter, *topics: str, group: str, handles: Iterable[str] | None = None,
                  description: str = "") -> Callable[[Handler], Handler]:
        """Register `handler(event, uow)` for `topics` in consumer group `group`.

        Offsets are committed only after the handler's transaction committed (or the
        message was dead-lettered); a crash before that redelivers, and the inbox absorbs it.
        """
        types = frozenset(handles) if handles is not None else None
        group = self.group_prefix + group
        self.groups.append(group)
        self.topics_of[group] = tuple(dict.fromkeys(self.topics_of.get(group, ()) + topics))

        def register(handler: Handler) -> Handler:
            async def on_message(msg: KafkaMessage) -> None:
                await self.process(group, handler, types, msg.raw_message)

            on_message.__name__ = f"{group}_{handler.__name__}"
            router.subscriber(
                *topics, group_id=group, ack_policy=AckPolicy.NACK_ON_ERROR, auto_offset_reset="earliest",
                isolation_level="read_committed",  # never a record of an aborted transaction (kontakt dlq redrive)
                decoder=raw_decoder, parser=tolerant_parser, fetch_max_wait_ms=100,
                max_poll_interval_ms=self.max_poll_interval_ms, session_timeout_ms=self.session_timeout_ms,
                heartbeat_interval_ms=max(100, self.session_timeout_ms // 10), title=f"{group}:{handler.__name__}",
                description=description or (handler.__doc__ or "").strip(),
            )(on_message)
            return handler

        return register
