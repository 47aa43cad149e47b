"""The event pipeline of one service process: outbox relay, dead-letter producer, consumers, background tasks.

With several HTTP worker processes (workers.py) only the holder of the pipeline lease runs it; the others
serve HTTP, ring the holder's doorbell when they commit, and take over when the holder dies.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts.registry import dead_letter_topic
from services.chassis.broker import ParallelStartBroker
from services.chassis.broker_watch import BrokerWatch
from services.chassis.consumers import Consumers
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.healing import heal_forgetful_broker
from services.chassis.relay import OutboxRelay, RowProducer
from services.chassis.settings import ServiceSettings
from services.chassis.spec import BackgroundTask
from services.chassis.telemetry import adopt_library_loggers
from services.chassis.topics import ensure_topics
from services.chassis.workers import Doorbell, FileLock

log = logging.getLogger("kontakt.runtime")



class Pipeline:
    """Starts and stops the parts that move events, once per service instance (the lease holder's process)."""

    def __init__(self, settings: ServiceSettings, db: Database, broker: ParallelStartBroker, consumers: Consumers,
                 owned_topics: Sequence[str], background: Sequence[BackgroundTask] = ()) -> None:
        self.settings = settings
        self.name = settings.service_name
        self.broker = broker
        self.consumers = consumers
        self.owned_topics = list(owned_topics)
        self.background = list(background)
        # the relay's own producer (started with the pipeline); the broker's publishers only document the topics
        self.relay_producer: AIOKafkaProducer | None = None
        self.relay = OutboxRelay(db, RowProducer(lambda: self.relay_producer), idle_s=0.5)
        # with several HTTP workers, a row committed by one that does not run the relay rings the one that does
        self.doorbell = Doorbell(settings.data_dir, self.name) if settings.http_workers > 1 else None
        self.broker_watch = BrokerWatch(lambda: self.dead_letters.producer.client, self._heal,
                                        settings.broker_watch_interval_s)
        self._lease = FileLock(settings.data_dir / "locks" / f"{self.name}.pipeline.lock")
        self.running = False
        self.ready = False  # started: migrated, and running the pipeline or following its holder
        self._tasks: list[asyncio.Task[Any]] = []
        db.on_commit(self.committed)

    @property
    def dead_letters(self) -> DeadLetters:
        """The consumers' dead letters: this pipeline starts and stops their producer."""
        return self.consumers.dead_letters

    def topics_written(self) -> list[str]:
        """Every topic this service publishes to: the ones it owns and its consumers' dead-letter topics."""
        return [*self.owned_topics, *(dead_letter_topic(g) for g in self.consumers.groups)]

    def committed(self) -> None:
        """After every commit (possibly in a worker thread): this process's relay, or the one of the worker
        that runs the pipeline."""
        if self.doorbell is not None and not self.running:
            self.doorbell.ring()
        else:
            self.relay.wake()

    @asynccontextmanager
    async def serving(self, migrate: Callable[[], None]) -> AsyncIterator[None]:
        """Migrate, then run the pipeline (or follow the worker that holds its lease) until the block ends."""
        s = self.settings
        shared = s.http_workers > 1
        if shared:  # several worker processes (workers.py): one migrates at a time, one runs the pipeline
            migrating = FileLock(s.data_dir / "locks" / f"{self.name}.migrate.lock")
            await asyncio.to_thread(migrating.acquire, True)
            try:
                await asyncio.to_thread(migrate)
            finally:
                migrating.release()
        else:
            await asyncio.to_thread(migrate)
        tasks: list[asyncio.Task[Any]] = []
        if not shared or self._lease.acquire(blocking=False):
            await self.start(republish=s.outbox_republish_on_start)
        else:
            tasks.append(asyncio.create_task(self._take_over_when_free(), name="pipeline-lease"))
        self.ready = True
        log.info("%s ready on %s:%s%s", self.name, s.http_host, s.http_port,
                 "" if self.running else " (HTTP only; another worker runs the pipeline)")
        try:
            yield
        finally:
            self.ready = False
            log.info("%s stopping: finishing in-flight work", self.name)
            for t in tasks:
                t.cancel()
            await self.stop()
            self._lease.release()

    async def start(self, republish: bool) -> None:
        """Outbox relay, dead-letter producer, consumers and background tasks."""
        s = self.settings
        if republish:
            n = await asyncio.to_thread(self.relay.mark_all_unsent)
            log.info("embedded broker restarted: re-publishing %d outbox events", n)
        if s.kafka_create_topics:  # real Kafka creates no topic by itself (auto.create.topics.enable=false)
            await ensure_topics(s.kafka_bootstrap_servers, self.topics_written(), partitions=s.kafka_topic_partitions,
                                replication=s.kafka_replication_factor, min_insync=s.kafka_min_insync_replicas,
                                client_id=f"en-vag-in-{self.name}-topics")
        self.dead_letters.producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all",
                                                      enable_idempotence=s.kafka_idempotence,
                                                      client_id=f"en-vag-in-{self.name}-dlq",
                                                      # carries on whatever a consumer fetched, headers added
                                                      max_request_size=s.kafka_max_fetch_bytes + 1024 * 1024)
        await self.dead_letters.producer.start()
        self.relay_producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers, acks="all",
                                               enable_idempotence=s.kafka_idempotence,
                                               client_id=f"en-vag-in-{self.name}",
                                               # the guard counts; headroom for framing
                                               max_request_size=s.kafka_max_message_bytes + 64 * 1024)
        await self.relay_producer.start()
        if s.broker_watch_interval_s > 0:
            await self.broker_watch.check()  # the cluster we start on
        await self.broker.start()
        adopt_library_loggers()
        self.relay.start()
        if self.doorbell is not None and not self.doorbell.listen(self.relay.wake):
            self.relay.idle_s = 0.05  # rows of the other workers reach this relay only by polling
            log.warning("%s: outbox doorbell %r taken; the relay polls every 50 ms", self.name, self.doorbell.address)
        self._tasks = [asyncio.create_task(f()) for f in self.background]
        if s.broker_watch_interval_s > 0:
            self._tasks.append(asyncio.create_task(self.broker_watch.run(), name="broker-watch"))
        self.running = True

    async def stop(self) -> None:
        if not self.running:
            return
        for t in self._tasks:
            t.cancel()
        await self.broker.stop()  # waits for in-flight handlers (graceful_timeout), then commits
        await self.relay.stop()
        if self.relay_producer is not None:
            await self.relay_producer.stop()
        if self.doorbell is not None:
            self.doorbell.close()
        await self.dead_letters.producer.stop()
        self.running = False

    async def _take_over_when_free(self) -> None:
        """A follower worker: run the pipeline once the worker holding the lease has gone."""
        while not self._lease.acquire(blocking=False):
            await asyncio.sleep(1.0)
        log.warning("%s: this worker takes over the event pipeline", self.name)
        await self.start(republish=False)

    async def _heal(self, previous: str, current: str) -> None:
        """The broker restarted empty: our topics, our outbox, our positions (see broker_watch.py)."""
        owned = sorted(self.owned_topics) + [dead_letter_topic(g) for g in self.consumers.groups]
        await heal_forgetful_broker(self.settings, owned, self.relay, self.relay_producer, self.consumers, current)
