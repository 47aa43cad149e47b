"""Outbox, inbox, audit and migrations on both databases the product runs on (SQLite and PostgreSQL)."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from kontakt.system import SERVICES
from services.chassis import migrations
from services.chassis.audit import AuditTrail
from services.chassis.auth import Staff
from services.chassis.consumers import Consumers
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.relay import OutboxRelay
from services.chassis.settings import ServiceSettings
from services.chassis.tables import AuditRecord, InboxRow, OutboxRow, chassis_metadata
from tests.integration.chassis.conftest import closed
from tests.probe_service import ProbeBase, Tally

STAFF = Staff(subject="S-2F9K", role="clinician", unit="bup-umea", licensed=True)


@pytest.fixture
def db(db_url: str):  # type: ignore[no-untyped-def]
    database = Database(db_url, [chassis_metadata, ProbeBase.metadata])
    database.create_all()
    yield database
    database.dispose()


def _rows(db: Database, table: type) -> list:  # type: ignore[type-arg]
    with Session(db.engine) as s:
        return list(s.exec(select(table)).all())


def _settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    return next(c for _, c in inspect.getmembers(module, inspect.isclass)
                if issubclass(c, ServiceSettings) and c is not ServiceSettings and c.__module__ == module.__name__)


@pytest.mark.parametrize("service", list(SERVICES))
def test_migrations_on_a_fresh_database_yield_exactly_the_models(service: str, db_url: str, tmp_path: Path) -> None:
    app = importlib.import_module(f"services.{service}.app")
    rt, _ = app.build(_settings_class(service)(database_url=db_url, data_dir=tmp_path))
    try:
        migrations.upgrade(rt.db, app.MIGRATIONS)
        assert migrations.pending_changes(rt.db) == [], "run `kontakt db revision` and commit the migration"
        tables = set(sa_inspect(rt.db.engine).get_table_names()) - {"alembic_version"}
        assert tables == {t for md in rt.db.metadatas for t in md.tables}
        assert {"outbox", "inbox", "audit_log"} <= tables
    finally:
        rt.db.dispose()


def test_committed_unit_of_work_stores_the_event_with_its_state_and_a_rolled_back_one_nothing(db: Database) -> None:
    kept, doomed = closed(), closed()
    with db.uow() as uow:
        uow.session.add(Tally(case_id="state-kept"))
        uow.publish(kept)
        uow.commit()
    with db.uow() as uow:  # left without commit: as when a request fails
        uow.session.add(Tally(case_id="state-doomed"))
        uow.publish(doomed)
    [row] = _rows(db, OutboxRow)
    assert (row.event_id, row.topic, row.key, row.sent_at) == (str(kept.event_id), kept.TOPIC, kept.case_id, None)
    assert row.payload == kept.model_dump_json().encode()
    assert row.headers["event_type"] == "CaseClosed" and row.headers["event_id"] == str(kept.event_id)
    assert [t.case_id for t in _rows(db, Tally)] == ["state-kept"]


async def test_relay_publishes_in_commit_order_marks_sent_and_keeps_what_failed(db: Database) -> None:
    events = [closed() for _ in range(3)]
    for ev in events:
        with db.uow() as uow:
            uow.publish(ev)
            uow.commit()
    sent: list[str] = []

    async def broker_fails_on_the_second(row: OutboxRow) -> None:  # stands in for Kafka; see the broker tests
        if row.event_id == str(events[1].event_id) and not sent[1:]:
            sent.append("failed")
            raise ConnectionError("broker away")
        sent.append(row.event_id)

    relay = OutboxRelay(db, broker_fails_on_the_second)
    with pytest.raises(ConnectionError):
        await relay.drain_once()
    assert [r.sent_at is not None for r in sorted(_rows(db, OutboxRow), key=lambda r: r.id)] == [True, False, False]
    assert await relay.drain_once() == 2  # the rest, in order, on the next cycle
    assert [s for s in sent if s != "failed"] == [str(e.event_id) for e in events]
    assert await relay.drain_once() == 0
    assert relay.mark_all_unsent() == 3  # the embedded broker came back empty: everything again
    assert await relay.drain_once() == 3


def test_inbox_applies_an_event_once_and_a_failed_handler_leaves_no_trace(db: Database) -> None:
    consumers = Consumers(db, DeadLetters())
    record = SimpleNamespace(topic="intake.cases.v1", partition=0, offset=7)
    ev = closed()
    calls: list[str] = []

    def count(event, uow) -> None:  # type: ignore[no-untyped-def]
        calls.append(event.case_id)
        row = uow.session.get(Tally, event.case_id) or Tally(case_id=event.case_id)
        row.applied += 1
        uow.session.add(row)

    def fail(event, uow) -> None:  # type: ignore[no-untyped-def]
        count(event, uow)
        raise RuntimeError("handler failed after changing state")

    with pytest.raises(RuntimeError):
        consumers.apply("g", fail, ev, record)
    assert _rows(db, InboxRow) == [] and _rows(db, Tally) == []  # rolled back together
    assert consumers.apply("g", count, ev, record) is True
    assert consumers.apply("g", count, ev, record) is False  # redelivery: handler not even called
    assert consumers.apply("other-group", count, ev, record) is True  # each consumer keeps its own inbox
    assert [(t.case_id, t.applied) for t in _rows(db, Tally)] == [(ev.case_id, 2)]
    assert len(calls) == 3
    assert {(r.consumer, r.offset) for r in _rows(db, InboxRow)} == {("g", 7), ("other-group", 7)}


def test_audit_record_survives_a_failed_request_and_audit_within_commits_with_the_change(db: Database) -> None:
    trail = AuditTrail(db)
    trail.record(STAFF, "read-case", case_id="C-7K3M9Q2XH4TB", patient_ref="P-4Q7T2M9KZ3XW8RB6N1HC", outcome="denied")
    with db.uow() as uow:
        trail.within(uow.session, STAFF, "book", case_id="C-7K3M9Q2XH4TB")  # the change is rolled back...
    with db.uow() as uow:
        trail.within(uow.session, STAFF, "cancel", case_id="C-7K3M9Q2XH4TB")
        uow.commit()
    rows = sorted(_rows(db, AuditRecord), key=lambda r: r.id)
    assert [(r.action, r.outcome) for r in rows] == [("read-case", "denied"), ("cancel", "ok")]
    first = rows[0]
    assert (first.actor, first.role, first.care_unit, first.patient_ref) == (
        "S-2F9K", "clinician", "bup-umea", "P-4Q7T2M9KZ3XW8RB6N1HC")
    assert first.at is not None
