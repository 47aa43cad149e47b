"""Alembic per service: upgrade at start-up, autogenerate new revisions from the service's tables."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from services.chassis.db import Database

TEMPLATE_DIR = Path(__file__).parent / "alembic_template"


def alembic_config(db: Database, script_location: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["metadatas"] = db.metadatas
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade(db: Database, script_location: Path) -> None:
    command.upgrade(alembic_config(db, script_location), "head")


def revision(db: Database, script_location: Path, message: str) -> None:
    """Autogenerate a revision from the difference between the models and the database at head."""
    cfg = alembic_config(db, script_location)
    command.upgrade(cfg, "head")
    command.revision(cfg, message=message, autogenerate=True)


def pending_changes(db: Database) -> list[object]:
    """Differences between the models and the migrated schema (empty when migrations are complete)."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        diffs: list[object] = []
        for md in db.metadatas:
            diffs += [d for d in compare_metadata(ctx, md) if not _is_foreign_table(d, md)]
        return diffs


def _is_foreign_table(diff: object, md: MetaData) -> bool:
    # compare_metadata per metadata reports the other metadatas' tables (and their indexes and
    # constraints) as removed: they belong to another metadata of the same database
    if not (isinstance(diff, tuple) and diff[0] in ("remove_table", "remove_index", "remove_constraint")):
        return False
    item = diff[1]
    table = item if diff[0] == "remove_table" else getattr(item, "table", None)
    return table is not None and table.name not in md.tables
