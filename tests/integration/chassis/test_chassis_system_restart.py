"""A restart of the whole system leaves every consumer in step with every producer.

On the embedded Tansu (`kontakt up`) the in-memory broker loses everything: outboxes are re-published and
the inboxes absorb the repeats. On a local Apache Kafka (`kontakt up --broker apache`) the log survives in
the data directory: nothing is re-published, consumers go on from their committed offsets, and a consumer
that was down learns everything from the log.

The system here is `kontakt.system.System` (broker and topics as `kontakt up` makes them) with two probe
services on the chassis; the five real services start in about 13 s each time, too slow for this suite
(tests/e2e runs them as processes)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from kontakt.broker import free_port
from kontakt.system import SERVICES, System
from services.chassis.tables import InboxRow, OutboxRow
from tests.integration.chassis.conftest import FAST, closed
from tests.probe_service import ProbeSettings, Tally, build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


def _count(engine, table, *where) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(table).where(*where)).one()


def _tallies(rt) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        return {t.case_id: t.applied for t in s.exec(select(Tally)).all()}


@pytest.mark.parametrize("kind", ["tansu", "apache"])
async def test_restart_of_the_system_keeps_every_consumer_in_step_with_its_producers(
        tmp_path: Path, issuer, kind: str) -> None:  # type: ignore[no-untyped-def]
    ports, broker_port = {name: free_port() for name in SERVICES}, free_port()
    controller_port = free_port()
    system = System(data_dir=tmp_path / "system", broker_port=broker_port, ports=ports, services=[], broker_kind=kind,
                    controller_port=controller_port)
    forgets = kind == "tansu"

    def probe(role: str, restarted: bool):  # type: ignore[no-untyped-def]
        # what System.env_for gives the services: re-publish only into a broker that forgot; idempotence on Apache
        return build(ProbeSettings(
            kafka_bootstrap_servers=system.bootstrap, data_dir=tmp_path / role, auth_jwks_file=issuer.jwks_file,
            database_url=f"sqlite:///{tmp_path / f'{role}.db'}", consumer_group_prefix=f"{role}-",
            outbox_republish_on_start=restarted and forgets, kafka_idempotence=not forgets, **FAST))

    first, later = [closed() for _ in range(4)], [closed() for _ in range(2)]
    try:
        await asyncio.to_thread(system.start)
        producer, consumer = probe("producer", False), probe("consumer", False)
        async with producer.lifespan(producer.app), consumer.lifespan(consumer.app):
            for ev in first:
                with producer.db.uow() as uow:
                    uow.publish(ev)
                    uow.commit()
            await wait_until(lambda: len(_tallies(consumer)) == len(first))

        await asyncio.to_thread(system.stop)  # Tansu's memory is gone; Apache Kafka's log stays in data_dir
        # as a second `kontakt up`: on Tansu services re-publish their outboxes (KONTAKT_OUTBOX_REPUBLISH)
        system = System(data_dir=tmp_path / "system", broker_port=broker_port, ports=ports, services=[],
                        broker_kind=kind, controller_port=controller_port)
        await asyncio.to_thread(system.start)
        producer, consumer = probe("producer", True), probe("consumer", True)
        late = probe("late", True)  # was down before: it learns `first` from the outbox (Tansu) or the kept log
        group = consumer.consumers.groups[0]
        async with producer.lifespan(producer.app), consumer.lifespan(consumer.app), late.lifespan(late.app):
            for ev in later:
                with producer.db.uow() as uow:
                    uow.publish(ev)
                    uow.commit()
            await wait_until(lambda: len(_tallies(consumer)) == len(first) + len(later))
            await wait_until(lambda: len(_tallies(late)) == len(first) + len(later))
            # the producer's own group too (it consumes what it publishes): on a busy machine it can lag behind
            await wait_until(lambda: len(_tallies(producer)) == len(first) + len(later))
            if forgets:  # every re-published event arrived again and was recognised as already applied
                await wait_until(lambda: consumer.consumers.stats.duplicates[group] == len(first))
            assert system.env_for("intake")["KONTAKT_OUTBOX_REPUBLISH"] == str(forgets).lower()
            assert system.env_for("intake")["KAFKA_ENABLE_IDEMPOTENCE"] == str(not forgets).lower()
        if not forgets:  # the log was kept: the consumer went on from its committed offsets, nothing came twice
            assert consumer.consumers.stats.duplicates[group] == 0
        assert _tallies(consumer) == {ev.case_id: 1 for ev in first + later}
        assert _tallies(producer) == _tallies(consumer) == _tallies(late)  # every consumer agrees
        assert _count(consumer.db.engine, InboxRow) == len(first) + len(later)
        assert _count(producer.db.engine, OutboxRow, OutboxRow.sent_at.is_(None)) == 0  # type: ignore[union-attr]
    finally:
        await asyncio.to_thread(system.stop)
