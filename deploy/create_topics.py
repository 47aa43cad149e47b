"""One-shot topic creation on a real Kafka cluster: the event topics of contracts/ and each consumer's dead-letter topic.

Real Kafka runs with `auto.create.topics.enable=false`, so every topic a service writes must exist before
it starts: the seven event topics (`contracts.topics.ALL_TOPICS`) and one `<group>.dlq` per consumer group.
The groups are read from the services themselves (built, not started), so a new consumer needs no edit here.

    python -m deploy.create_topics          # KAFKA_BOOTSTRAP_SERVERS, KAFKA_REPLICATION_FACTOR, ...
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import sys
import tempfile
from pathlib import Path

from contracts.registry import dead_letter_topic
from contracts.topics import ALL_TOPICS, PARTITIONS

SERVICES = ("intake", "triage", "booking", "notifications", "kpi")


def settings_class(service: str) -> type:
    """The service's settings class (`<Name>Settings` in `services/<name>/settings.py`)."""
    from services.chassis.settings import ServiceSettings

    module = importlib.import_module(f"services.{service}.settings")
    return next(c for _, c in inspect.getmembers(module, inspect.isclass)
                if issubclass(c, ServiceSettings) and c is not ServiceSettings and c.__module__ == module.__name__)


def group_topics(service: str) -> dict[str, tuple[str, ...]]:
    """The consumer groups a service registers and the topics each consumes (building it touches only a
    scratch SQLite file)."""
    app = importlib.import_module(f"services.{service}.app")
    with tempfile.TemporaryDirectory() as tmp:
        rt, _ = app.build(settings_class(service)(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/scratch.db",
                                                  consumer_group_prefix=""))
        rt.db.dispose()
        return {group: rt.consumers.topics_of[group] for group in rt.consumers.groups}


def consumer_groups(service: str) -> list[str]:
    """The consumer groups a service registers."""
    return list(group_topics(service))


def planned_topics() -> list[str]:
    groups = [g for service in SERVICES for g in consumer_groups(service)]
    return [*ALL_TOPICS, *sorted({dead_letter_topic(g) for g in groups})]


async def create(bootstrap: str, topics: list[str], partitions: int, replication: int, min_isr: int) -> list[str]:
    from services.chassis.topics import ensure_topics

    return await ensure_topics(bootstrap, topics, partitions=partitions, replication=replication, min_insync=min_isr,
                               client_id="en-vag-in-topic-init")


def main() -> None:
    env = os.environ
    topics = planned_topics()
    created = asyncio.run(create(env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), topics,
                                 int(env.get("KAFKA_TOPIC_PARTITIONS", PARTITIONS)),
                                 int(env.get("KAFKA_REPLICATION_FACTOR", "1")),
                                 int(env.get("KAFKA_MIN_INSYNC_REPLICAS", "1"))))
    for topic in topics:
        print(("created " if topic in created else "exists  ") + topic, file=sys.stderr)


if __name__ == "__main__":
    main()
