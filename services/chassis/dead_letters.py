"""Dead letters: a record that can never be applied goes to `<consumer>.dlq` with its bytes and the reason."""
from __future__ import annotations

import logging
from typing import Any

from aiokafka import errors as kafka_errors

from contracts.registry import dead_letter_topic
from services.chassis.records import Record

log = logging.getLogger("kontakt.consumer")
_TOO_LARGE = (kafka_errors.MessageSizeTooLargeError, kafka_errors.RecordTooLargeError,
              kafka_errors.RecordListTooLargeError)


class DeadLetters:
    """Publishes the original bytes and headers plus the reason to `<consumer>.dlq`.

    The producer is sized to carry the largest record a consumer fetches; should the broker still refuse
    it, the dead letter goes without its value (its size and reason in headers) so the partition moves on."""

    def __init__(self) -> None:
        self.producer: Any = None  # an AIOKafkaProducer with acks=all, set at start

    async def send(self, group: str, record: Record, reason: str, attempts: int) -> None:
        headers = self._headers(group, record, reason, attempts)
        topic = dead_letter_topic(group)
        try:
            await self.producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers)
        except _TOO_LARGE as exc:
            log.error("dead letter of %s[%s]@%s too large for %s (%s): sent without its value", record.topic,
                      record.partition, record.offset, topic, type(exc).__name__)
            headers.append(("x-dlq-value-dropped-bytes", str(len(record.value or b"")).encode()))
            await self.producer.send_and_wait(topic, value=None, key=record.key, headers=headers)

    @staticmethod
    def _headers(group: str, record: Record, reason: str, attempts: int) -> list[tuple[str, bytes]]:
        return [*(record.headers or ()),
            ("x-dlq-reason", reason.encode("utf-8", "replace")[:1000]),
            ("x-dlq-consumer", group.encode()),
            ("x-dlq-original-topic", record.topic.encode()),
            ("x-dlq-original-partition", str(record.partition).encode()),
            ("x-dlq-original-offset", str(record.offset).encode()),
            ("x-dlq-attempts", str(attempts).encode()),
        ]
