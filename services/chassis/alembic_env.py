"""The env.py logic every service's migrations share: run against the service's engine and tables."""
from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData


def run() -> None:
    cfg = context.config
    metadatas: list[MetaData] = cfg.attributes["metadatas"]
    engine = cfg.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadatas, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
