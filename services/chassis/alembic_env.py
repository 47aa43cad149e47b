"""The env.py logic of every service's database: run both histories against the service's engine and tables."""
from __future__ import annotations

from collections.abc import Collection

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from services.chassis.migrations_legacy import move_to_chassis_branch


def run() -> None:
    cfg = context.config
    metadatas: list[MetaData] = cfg.attributes["metadatas"]
    engine: Engine = cfg.attributes["engine"]
    skipped: Collection[str] = cfg.attributes.get("skip_tables", ())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadatas, render_as_batch=True,
                          compare_type=True, include_object=lambda obj, name, kind, *_: _table_of(obj, name, kind)
                          not in skipped)
        with context.begin_transaction():
            move_to_chassis_branch(connection)  # in the upgrade's transaction: moved and upgraded, or neither
            context.run_migrations()
        connection.commit()


def _table_of(obj: object, name: str | None, kind: str) -> str | None:
    if kind == "table":
        return name
    table = getattr(obj, "table", None)  # a column, index or constraint of a table
    return getattr(table, "name", None)
