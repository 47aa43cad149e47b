"""Healing after the broker forgot everything (see broker_watch.py): our topics again, our outbox again,
our consumers from the start."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from services.chassis.broker_watch import partition_counts, remake_topics
from services.chassis.consumers import Consumers
from services.chassis.relay import OutboxRelay
from services.chassis.settings import ServiceSettings

log = logging.getLogger("kontakt.runtime")


async def heal_forgetful_broker(settings: ServiceSettings, owned: Sequence[str], relay: OutboxRelay,
                                relay_producer: Any, consumers: Consumers, current: str) -> None:
    """The broker `current` restarted empty: re-make the topics we write (`owned`), re-publish the outbox
    with the relay's sends held back meanwhile, and rewind our consumers once the topics we read are right."""
    bootstrap = settings.kafka_bootstrap_servers
    async with relay.lock:  # no send of ours may auto-create a topic while we make it
        made = await remake_topics(bootstrap, owned, settings.kafka_topic_partitions)
        # the producer may have cached a topic auto-created meanwhile with the broker's default count
        if relay_producer is not None:
            await relay_producer.client.force_metadata_update()
        n = await asyncio.to_thread(relay.mark_all_unsent)
    relay.wake()
    log.warning("new broker %s: topics %s; re-publishing %d outbox events", current, made, n)
    consumed = consumers.consumed_topics()
    if consumed:
        # the owners re-make the topics we read; rewind once they are right and the group has settled
        await _await_partitions(bootstrap, consumed, settings.kafka_topic_partitions)
        await asyncio.sleep(settings.kafka_session_timeout_ms / 1000)  # let the rebalance finish
        await consumers.rewind()


async def _await_partitions(bootstrap: str, topics: set[str], partitions: int, timeout_s: float = 30) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            counts = await partition_counts(admin, topics)
            if all(c == partitions for c in counts.values()):
                break
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
