"""Topics are created on purpose: real Kafka runs with `auto.create.topics.enable=false`.

A service makes sure, before it publishes, that the topics it writes to exist: the ones it owns and one
dead-letter topic per consumer group (`<group>.dlq`), with the partitions, replication factor and
`min.insync.replicas` of the deployment. deploy/create_topics.py (compose's topic-init) uses the same call
for every topic at once. An existing topic is left as it is.
"""
from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

log = logging.getLogger("kontakt.topics")

TOPIC_ALREADY_EXISTS = 36


class TopicCreationFailed(RuntimeError):
    pass


async def _described(admin: AIOKafkaAdminClient, topics: list[str]) -> dict[str, list[int]]:
    """Partition numbers of each topic that exists with a leader for every partition."""
    out = {}
    for t in await admin.describe_topics(topics):
        parts = t["partitions"]
        if t["error_code"] == 0 and parts and all(p["error_code"] == 0 and p["leader"] >= 0 for p in parts):
            out[t["topic"]] = sorted(p["partition"] for p in parts)
    return out


async def _until_led(admin: AIOKafkaAdminClient, topics: list[str], timeout: float = 15.0) -> None:
    """A created topic reaches the brokers' metadata a moment later: wait, so the first publish finds a leader."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while set(await _described(admin, topics)) != set(topics):
        if loop.time() > deadline:
            raise TopicCreationFailed(f"topics {topics} have no leader after {timeout}s")
        await asyncio.sleep(0.1)


async def partitions_of(bootstrap: str, topics: list[str]) -> dict[str, list[int]]:
    """Partition numbers of existing `topics`, asked by name.

    A consumer's own metadata knows only the topics it subscribed to (an assign-only reader asks for
    none, and Apache Kafka answers none), so readers that assign partitions ask here first.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="en-vag-in-metadata")
    await admin.start()
    try:
        return await _described(admin, topics)
    finally:
        await admin.close()


async def ensure_topics(bootstrap: str, topics: list[str], *, partitions: int, replication: int = 1,
                        min_insync: int = 1, attempts: int = 30, client_id: str = "en-vag-in-topics") -> list[str]:
    """Create the topics of `topics` that do not exist yet; returns the ones created.

    `attempts` connection tries two seconds apart (a broker that is still starting).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id)
    for attempt in range(attempts):
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(2)
    try:
        existing = set(await admin.list_topics())
        wanted = list(dict.fromkeys(t for t in topics if t not in existing))
        if not wanted:
            return []
        response = await admin.create_topics([
            NewTopic(t, num_partitions=partitions, replication_factor=replication,
                     topic_configs={"min.insync.replicas": str(min_insync)}) for t in wanted])
        failed = {name: code for name, code, *_ in getattr(response, "topic_errors", ())
                  if code not in (0, TOPIC_ALREADY_EXISTS)}
        if failed:
            raise TopicCreationFailed(f"the broker refused to create {failed} (Kafka error codes)")
        await _until_led(admin, wanted)
        log.info("created topics %s", ", ".join(wanted))
        return wanted
    except KafkaError as exc:
        raise TopicCreationFailed(f"creating {topics}: {type(exc).__name__}: {exc}") from exc
    finally:
        await admin.close()
