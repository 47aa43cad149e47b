"""Noticing that the broker forgot everything (the embedded Tansu restarted empty) and healing by ourselves.

Tansu keeps its log in memory; `kontakt` starts it with a fresh cluster id each time. A changed cluster id
means topics, events and committed offsets are gone. Each service then, without a restart:
re-creates the topics it owns (and its groups' dead-letter topics) with the right partition count — topics
auto-created meanwhile by clients' metadata requests have the broker's default count and are re-made —,
re-publishes its whole outbox (the relay sends it again), and seeks its consumers to the start of every
partition once the topics it reads have their partitions; inboxes absorb the repeats. A durable broker
(Apache Kafka) keeps its cluster id, so this never fires there."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.metadata import MetadataRequest

log = logging.getLogger("kontakt.broker_watch")


async def cluster_id(client: Any) -> str | None:
    """The broker's cluster id, from a metadata request on an already started aiokafka client."""
    node = client.get_random_node()
    if node is None:
        await client.force_metadata_update()
        node = client.get_random_node()
    response = await client.send(node, MetadataRequest([]))
    return getattr(response, "cluster_id", None)


async def partition_counts(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> dict[str, int]:
    """Partitions per topic; 0 for a topic that does not exist. Asks for every topic: a metadata request
    naming a topic may auto-create it (with the broker's default count) on a broker that allows it."""
    wanted = list(topics)
    existing = await admin._get_cluster_metadata(topics=None)
    counts = {t: 0 for t in wanted}
    for d in existing.to_object()["topics"]:
        if d["topic"] in counts and d.get("error_code", 0) == 0:
            counts[d["topic"]] = len(d.get("partitions", []))
    return counts


async def remake_topics(bootstrap: str, topics: Iterable[str], partitions: int, attempts: int = 10) -> dict[str, str]:
    """Each topic exists with `partitions` partitions; a topic with another count is deleted and made again.
    Returns what was done per topic (created, recreated, ok)."""
    topics = list(topics)
    done = {t: "ok" for t in topics}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        for _ in range(attempts):
            counts = await partition_counts(admin, topics)
            wrong = [t for t, n in counts.items() if n not in (0, partitions)]
            missing = [t for t, n in counts.items() if n == 0]
            if not wrong and not missing:
                return done
            if wrong:
                await admin.delete_topics(wrong)
                for t in wrong:
                    done[t] = "recreated"
            try:
                await admin.create_topics([NewTopic(t, partitions, 1) for t in wrong + missing])
            except TopicAlreadyExistsError:  # a client's metadata request auto-created it first: look again
                pass
            for t in missing:
                done[t] = done[t] if done[t] == "recreated" else "created"
            await asyncio.sleep(0.2)
        raise RuntimeError(f"topics not right after {attempts} attempts: {await partition_counts(admin, topics)}")
    finally:
        await admin.close()


class BrokerWatch:
    """Looks at the broker's cluster id every `interval_s`; on a change calls `heal` once per new cluster."""

    def __init__(self, client: Callable[[], Any], heal: Callable[[str, str], Awaitable[None]],
                 interval_s: float = 2.0) -> None:
        self._client = client  # returns a started aiokafka client (the dead-letter producer's)
        self._heal = heal
        self.interval_s = interval_s
        self.known: str | None = None
        self.heals = 0
        self.last_heal_s: float | None = None  # how long the last heal took

    async def check(self) -> bool:
        """True when the broker turned out to be a new, empty one (and was healed)."""
        try:
            current = await asyncio.wait_for(cluster_id(self._client()), timeout=5.0)
        except (KafkaError, OSError, TimeoutError) as exc:  # broker away: nothing to compare yet
            log.debug("broker watch: no answer (%s)", type(exc).__name__)
            return False
        if not current:
            return False
        if self.known is None:
            self.known = current
            return False
        if current == self.known:
            return False
        previous, started = self.known, time.monotonic()
        log.warning("broker forgot everything (cluster id %s -> %s): healing", previous, current)
        await self._heal(previous, current)
        self.known = current
        self.heals += 1
        self.last_heal_s = time.monotonic() - started
        log.warning("broker healed in %.1fs: topics made, outbox re-published, consumers from the start",
                    self.last_heal_s)
        return True

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed heal is tried again on the next look (known is not updated)
                log.exception("broker watch: healing failed; trying again")
            await asyncio.sleep(self.interval_s)
