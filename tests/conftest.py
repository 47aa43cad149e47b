"""Shared fixtures: a real Kafka-protocol broker, PostgreSQL databases, a token issuer."""
from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.small_clock import install_from_env

install_from_env()  # before any product import (see tests/small_clock.py)

from contracts.topics import PARTITIONS  # noqa: E402
from deploy.create_topics import create, planned_topics  # noqa: E402
from kontakt.apache_kafka import ApacheKafka  # noqa: E402
from kontakt.broker import EmbeddedBroker  # noqa: E402
from kontakt.keycloak import Keycloak  # noqa: E402
from services.chassis.issuer import LocalIssuer  # noqa: E402

# services built with default settings in tests keep their files out of the work tree
os.environ.setdefault("KONTAKT_DATA_DIR", tempfile.mkdtemp(prefix="kontakt-test-"))
# a consumer-group join on the broker waits about half the session timeout: keep it short in tests
os.environ.setdefault("KAFKA_SESSION_TIMEOUT_MS", "3000")

# KONTAKT_TEST_BROKER=apache|tansu: the broker every broker test talks to. Apache Kafka (the production
# broker, default) runs with production settings: idempotent producers, acks=all, no auto-created topics.
TEST_BROKER = os.environ.get("KONTAKT_TEST_BROKER", "apache")
if TEST_BROKER not in ("apache", "tansu"):
    raise pytest.UsageError(f"KONTAKT_TEST_BROKER must be apache or tansu, not {TEST_BROKER!r}")
if TEST_BROKER == "apache":
    os.environ.setdefault("KAFKA_ENABLE_IDEMPOTENCE", "true")  # Tansu refuses idempotent producers
else:  # Tansu holds an empty fetch to the end of its wait (Apache Kafka answers when a record arrives)
    os.environ.setdefault("KAFKA_FETCH_MAX_WAIT_MS", "100")

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def start_broker(kind: str, data_dir: Path, advertised_port: int | None = None,
                 port: int | None = None) -> ApacheKafka | EmbeddedBroker:
    """A broker of `kind` on free ports: Apache Kafka (durable log in `data_dir`) or the embedded Tansu."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if kind == "apache":
        return ApacheKafka(data_dir, port, advertised_port=advertised_port).start()
    return EmbeddedBroker(port, log_path=data_dir / "broker.log", advertised_port=advertised_port).start()


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keycloak]:
    """One Keycloak for the session (kontakt/keycloak.py: prepared once into ~/.cache/kontakt, then ~10 s to
    start), the realm of deploy/keycloak/en-vag-in-realm.json in its own data directory."""
    kc = Keycloak(tmp_path_factory.mktemp("keycloak")).start()
    try:
        yield kc
    finally:
        kc.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS if set; else one broker of KONTAKT_TEST_BROKER's kind for the whole session.

    Its topics are made as a deployment makes them (deploy/create_topics.py, compose's topic-init): the
    contract topics and every consumer group's dead-letter topic; services create their own at start too.
    """
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = start_broker(TEST_BROKER, tmp_path_factory.mktemp("broker"))
    try:
        asyncio.run(create(broker.bootstrap, planned_topics(), PARTITIONS, replication=1, min_isr=1))
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Callable[..., ApacheKafka | EmbeddedBroker]]:
    """A broker of the session's kind for one test that stops, freezes or cuts it off (not the shared one)."""
    started: list[ApacheKafka | EmbeddedBroker] = []

    def make(advertised_port: int | None = None, port: int | None = None) -> ApacheKafka | EmbeddedBroker:
        broker = start_broker(TEST_BROKER, tmp_path / f"broker{len(started)}", advertised_port, port)
        started.append(broker)
        return broker

    yield make
    for broker in started:
        broker.stop()


@pytest.fixture
def apache_bootstrap(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An Apache Kafka for a test that needs what only it has (transactions, a durable log): the session's
    broker when that is Apache Kafka, else one started for this test."""
    if TEST_BROKER == "apache" and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield request.getfixturevalue("kafka_bootstrap")
        return
    broker = ApacheKafka(tmp_path / "apache").start()
    try:
        asyncio.run(create(broker.bootstrap, planned_topics(), PARTITIONS, replication=1, min_isr=1))
        yield broker.bootstrap
    finally:
        broker.stop()


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    if not _pg_available():
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: run scripts/ensure-system-deps.sh")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"kontakt_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
