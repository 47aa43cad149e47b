"""The env.py logic of every service's database: run both histories against the service's engine and tables."""
from __future__ import annotations

from collections.abc import Collection

from alembic import context
from alembic.runtime.environment import IncludeObjectFn, NameFilterType
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlalchemy.sql.schema import SchemaItem

from services.chassis.migrations_legacy import move_to_chassis_branch


def run() -> None:
    cfg = context.config
    metadatas: list[MetaData] = cfg.attributes["metadatas"]
    engine: Engine = cfg.attributes["engine"]
    skipped: Collection[str] = cfg.attributes.get("skip_tables", ())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadatas, render_as_batch=True,
                          compare_type=True, include_object=_leaving_out(skipped))
        with context.begin_transaction():
            move_to_chassis_branch(connection)  # in the upgrade's transaction: moved and upgraded, or neither
            context.run_migrations()
        connection.commit()


def _leaving_out(tables: Collection[str]) -> IncludeObjectFn:
    """Autogenerate's filter: nothing of these tables (a service's revision leaves the chassis's to its branch)."""
    def include(item: SchemaItem, name: str | None, kind: NameFilterType, reflected: bool,
                compare_to: SchemaItem | None) -> bool:
        table = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
        return table not in tables

    return include
