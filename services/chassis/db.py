"""Database engine and unit of work: SQLite file by default, PostgreSQL when the URL says so."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, event, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from contracts.envelope import Event
from services.chassis.outbox_rows import outbox_values
from services.chassis.tables import OUTBOX_TABLE

# connections one engine (one database of one process) may hold on PostgreSQL: request threads reuse them; the
# database's max_connections must cover every process's engines (docker-compose, tests/contract/test_compose.py)
POOL_SIZE = 15
POOL_OVERFLOW = 5


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: SQL errors must never carry values (keys, personal data) into logs
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_pre_ping=True,
                         hide_parameters=True)


class UnitOfWork:
    """A session plus the events it will publish; rolls back unless `commit()` is called."""

    def __init__(self, engine: Engine, on_commit: Callable[[], None] | None = None,
                 max_event_bytes: int | None = None) -> None:
        self._engine = engine
        self._max_event_bytes = max_event_bytes
        self._on_commit = on_commit
        self.session: Session
        self.committed = False
        self._outbox: list[dict[str, Any]] = []  # rows of the events published in this unit, inserted at commit

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            # detach first: rows read in a read-only unit stay usable after it (a rollback would expire them)
            self.session.expunge_all()
            self.session.rollback()
        self.session.close()

    def publish(self, *events: Event) -> None:
        """Queue events in the outbox, in this transaction; an event too large for the broker is refused
        (EventTooLarge) and the unit of work rolls back."""
        self._outbox.extend(outbox_values(ev, self._max_event_bytes) for ev in events)

    def commit(self) -> None:
        if self._outbox:
            # one multi-row INSERT in publish order (the ids are the relay's order); an ORM object per row cost
            # more than the rest of a consumer's transaction
            self.session.exec(insert(OUTBOX_TABLE), params=self._outbox)
            self._outbox = []
        self.session.commit()
        self.committed = True
        if self._on_commit:
            self._on_commit()


class Database:
    """One service's database: engine, metadata and units of work."""

    def __init__(self, url: str, metadatas: list[MetaData], max_event_bytes: int | None = None) -> None:
        self.url = url
        self.max_event_bytes = max_event_bytes  # the broker's message size: larger events are never stored
        self.metadatas = metadatas
        self.engine = make_engine(url)
        self._listeners: list[Callable[[], None]] = []

    def on_commit(self, fn: Callable[[], None]) -> None:
        self._listeners.append(fn)

    def _notify(self) -> None:
        for fn in self._listeners:
            fn()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self._notify, self.max_event_bytes)

    def create_all(self) -> None:
        for md in self.metadatas:
            md.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
