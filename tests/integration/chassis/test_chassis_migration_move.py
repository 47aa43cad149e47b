"""A database made by the migrations before the chassis branch lands, on upgrade, on a fresh database's schema."""
from __future__ import annotations

import functools
import importlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kontakt.system import SERVICES
from services.chassis import migrations
from services.chassis.db import Database
from services.chassis.migrations_legacy import MOVED
from services.chassis.tables import AuditRecord

# the histories as they were committed before the chassis branch: one line per service with its own copy of the
# three chassis revisions (these files are frozen; never edit them)
BEFORE = Path(__file__).parent / "migrations_before_chassis_branch"


def _old_config(db: Database, service: str) -> Any:
    cfg = migrations.alembic_config(db, None)
    cfg.set_main_option("version_locations", str(BEFORE / service))
    return cfg


def _old_revisions(service: str) -> list[str]:
    """The old history, oldest first (it is one line, so each revision is a state a database could be left in)."""
    db = Database("sqlite://", [])
    try:
        scripts = ScriptDirectory.from_config(_old_config(db, service))
    finally:
        db.dispose()
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


OLD_STATES = [(service, rev) for service in SERVICES if (BEFORE / service).is_dir() for rev in _old_revisions(service)]
OLD_HEADS = [(service, _old_revisions(service)[-1]) for service in SERVICES if (BEFORE / service).is_dir()]


@pytest.fixture(params=["sqlite", "postgresql"])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one kind: the old one to move, and a fresh one to compare it with."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}", f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    import psycopg

    admin: str = request.getfixturevalue("pg_admin_url")
    names = [f"kontakt_test_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything the inspector sees of each table: columns in order, keys, unique constraints, indexes."""
    insp = sa_inspect(engine)
    return {table: {
        "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in insp.get_columns(table)],
        "primary_key": insp.get_pk_constraint(table)["constrained_columns"],
        "unique": sorted((u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
        "foreign_keys": sorted(str(fk) for fk in insp.get_foreign_keys(table)),
        "indexes": sorted((i["name"] or "", tuple(i["column_names"]), bool(i["unique"]),
                           str(sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items())))
                          for i in insp.get_indexes(table)),
    } for table in sorted(insp.get_table_names())}


def _versions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT version_num FROM alembic_version")))


@functools.cache
def _service(service: str) -> tuple[list[MetaData], Path]:
    """The service's tables and migrations folder, as its composition root names them (built once)."""
    app = importlib.import_module(f"services.{service}.app")
    return app.build()[0].db.metadatas, app.MIGRATIONS


def _db(service: str, url: str) -> tuple[Database, Path]:
    metadatas, migrations_dir = _service(service)
    return Database(url, metadatas), migrations_dir


def _land_like_a_fresh_database(service: str, old_rev: str, urls: tuple[str, str]) -> None:
    (old, service_migrations), (fresh, _) = _db(service, urls[0]), _db(service, urls[1])
    try:
        command.upgrade(_old_config(old, service), old_rev)
        with Session(old.engine) as s:  # a row from before the move, to show the move keeps the tables' data
            s.add(AuditRecord(at=datetime(2026, 11, 30, tzinfo=UTC), actor="S-2F9K", role="clinician",
                              action="read-case", outcome="ok"))
            s.commit()
        assert _versions(old.engine) == {old_rev}
        migrations.upgrade(old, service_migrations)
        migrations.upgrade(fresh, service_migrations)
        assert _schema(old.engine) == _schema(fresh.engine)
        assert _versions(old.engine) == _versions(fresh.engine)  # so every later upgrade runs the same revisions
        assert migrations.pending_changes(old) == []
        migrations.upgrade(old, service_migrations)  # the next start-up finds nothing to move or apply
        assert _versions(old.engine) == _versions(fresh.engine)
        with Session(old.engine) as s:
            assert [r.action for r in s.exec(select(AuditRecord)).all()] == ["read-case"]
    finally:
        old.dispose()
        fresh.dispose()


@pytest.mark.parametrize(("service", "old_rev"), OLD_HEADS, ids=[s for s, _ in OLD_HEADS])
def test_database_at_the_old_head_upgrades_to_the_schema_of_a_fresh_one(service: str, old_rev: str,
                                                                        two_urls: tuple[str, str]) -> None:
    _land_like_a_fresh_database(service, old_rev, two_urls)


@pytest.mark.parametrize(("service", "old_rev"), OLD_STATES, ids=[f"{s}-{r}" for s, r in OLD_STATES])
def test_database_left_at_any_old_revision_upgrades_to_the_schema_of_a_fresh_one(service: str, old_rev: str,
                                                                                tmp_path: Path) -> None:
    _land_like_a_fresh_database(service, old_rev, (f"sqlite:///{tmp_path / 'old.db'}",
                                                   f"sqlite:///{tmp_path / 'fresh.db'}"))


def test_every_old_copy_of_a_chassis_revision_is_moved() -> None:
    copies = {rev for service, rev in OLD_STATES if "'outbox'" in _upgrade_of(service, rev)}
    assert len(copies) == 15  # three chassis revisions in each of five services
    assert copies <= set(MOVED)


def _upgrade_of(service: str, rev: str) -> str:
    [path] = (BEFORE / service).glob(f"{rev}_*.py")
    return path.read_text().split("def upgrade")[1]
