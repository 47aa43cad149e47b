"""Consumer lag: how many records each partition holds beyond a consumer group's committed offset.

Committed offsets come from the admin API (`OffsetFetch` through `list_consumer_group_offsets`, as
`kafka-consumer-groups.sh` reads them); end offsets from a group-less consumer. The embedded Tansu answers
the admin call in a form aiokafka cannot parse, so there the group's own consumer view (`committed`) is
asked instead.
"""
from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError

from services.chassis.topics import partitions_of

log = logging.getLogger("kontakt.lag")


async def committed_offsets(bootstrap: str, group: str, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The group's committed offset per partition; partitions it never committed on are left out."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="en-vag-in-lag")
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group, partitions=tps)
        return {tp: om.offset for tp, om in offsets.items() if om.offset >= 0}
    except (KafkaConnectionError, ValueError):
        log.info("the broker's offset listing is unreadable (embedded Tansu); asking as the group instead")
    finally:
        await admin.close()
    member = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await member.start()
    try:
        found = {tp: await member.committed(tp) for tp in tps}
        return {tp: off for tp, off in found.items() if off is not None and off >= 0}
    finally:
        await member.stop()


async def consumer_lag(bootstrap: str, group: str, topics: list[str]) -> dict[TopicPartition, int]:
    """Records not yet consumed (committed) by `group` on each partition of `topics`.

    A partition the group never committed on counts from its first record (the group starts at earliest).
    """
    parts = await partitions_of(bootstrap, topics)
    tps = [TopicPartition(t, p) for t, ps in parts.items() for p in ps]
    if not tps:
        return {}
    committed = await committed_offsets(bootstrap, group, tps)
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        end = await reader.end_offsets(tps)
        start = await reader.beginning_offsets(tps)
    finally:
        await reader.stop()
    return {tp: max(end[tp] - committed.get(tp, start[tp]), 0) for tp in tps}
