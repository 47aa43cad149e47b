"""`kontakt db revision`: a service's revisions go to its own history, after the chassis branch, never into it."""
from __future__ import annotations

import runpy
from pathlib import Path

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from services.chassis import migrations
from services.chassis.db import Database
from services.chassis.migrations_legacy import PARKED_KEY_INDEX
from services.chassis.tables import chassis_metadata
from tests.probe_service import ProbeBase


def _probe_db(path: Path) -> Database:
    return Database(f"sqlite:///{path}", [chassis_metadata, ProbeBase.metadata])


def _revision_files(migrations_dir: Path) -> list[dict[str, object]]:
    return [runpy.run_path(str(p)) | {"source": p.read_text()}
            for p in sorted(migrations_dir.joinpath("versions").glob("*.py"))]


def test_first_revision_of_a_new_service_creates_its_tables_after_the_chassis_branch(tmp_path: Path) -> None:
    probe_migrations = tmp_path / "migrations"
    (probe_migrations / "versions").mkdir(parents=True)
    scratch = _probe_db(tmp_path / "scratch.db")
    migrations.revision(scratch, probe_migrations, "probe tables")
    scratch.dispose()
    [first] = _revision_files(probe_migrations)
    assert (first["down_revision"], first["depends_on"]) == (None, PARKED_KEY_INDEX)
    assert "'tally'" in str(first["source"]) and "'outbox'" not in str(first["source"])

    db = _probe_db(tmp_path / "service.db")
    try:
        migrations.upgrade(db, probe_migrations)
        assert migrations.pending_changes(db) == []
        assert set(sa_inspect(db.engine).get_table_names()) == {"alembic_version", "tally", *chassis_metadata.tables}
    finally:
        db.dispose()


def test_next_revision_chains_on_the_service_head_and_leaves_a_chassis_difference_to_the_chassis_branch(
        tmp_path: Path) -> None:
    probe_migrations = tmp_path / "migrations"
    (probe_migrations / "versions").mkdir(parents=True)
    scratch = _probe_db(tmp_path / "scratch.db")
    try:
        migrations.revision(scratch, probe_migrations, "probe tables")
        with scratch.engine.begin() as conn:  # the chassis's models now differ from its migrated tables
            conn.execute(text("DROP INDEX ix_outbox_sent_at"))
        migrations.revision(scratch, probe_migrations, "nothing of the probe's changed")
    finally:
        scratch.dispose()
    first, second = sorted(_revision_files(probe_migrations), key=lambda r: r["down_revision"] is not None)
    assert second["down_revision"] == first["revision"]
    assert "ix_outbox_sent_at" not in str(second["source"])
    assert "op." not in str(second["source"]).split("def upgrade")[1]  # nothing to do: an empty revision
