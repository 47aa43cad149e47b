"""Settings from the environment: one prefix per service, shared names for the shared infrastructure."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.topics import PARTITIONS

DATA_DIR_DEFAULT = Path(".kontakt")


def _shared(name: str, default: Any, description: str) -> Any:
    """A setting read from one shared environment name (no service prefix); typed by the field it sets."""
    return Field(default, validation_alias=AliasChoices(name), description=description)


class ServiceSettings(BaseSettings):
    """Base for every service's settings. Subclasses set `env_prefix`, e.g. INTAKE_."""

    # populate_by_name: tests and the CLI pass shared settings by field name (data_dir=...), not only by env name
    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore", populate_by_name=True)

    service_name: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    http_workers: int = 1  # uvicorn worker processes serving the HTTP API (see serve.py)
    database_url: str = ""  # empty -> SQLite file under data_dir

    data_dir: Path = _shared("KONTAKT_DATA_DIR", DATA_DIR_DEFAULT, "Where embedded state lives.")
    kafka_bootstrap_servers: str = _shared("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "Kafka bootstrap.")
    kafka_idempotence: bool = _shared("KAFKA_ENABLE_IDEMPOTENCE", False,
                                      "Idempotent producer; on for real Kafka, off for Tansu.")
    kafka_create_topics: bool = _shared("KAFKA_CREATE_TOPICS", True,
                                        "Create the owned and dead-letter topics at start if absent.")
    kafka_topic_partitions: int = _shared("KAFKA_TOPIC_PARTITIONS", PARTITIONS, "Partitions of a topic this service creates.")
    kafka_replication_factor: int = _shared("KAFKA_REPLICATION_FACTOR", 1,
                                            "Replication factor of a topic this service creates.")
    kafka_min_insync_replicas: int = _shared("KAFKA_MIN_INSYNC_REPLICAS", 1,
                                             "min.insync.replicas of a topic this service creates.")
    kafka_session_timeout_ms: int = _shared("KAFKA_SESSION_TIMEOUT_MS", 10_000,
                                            "Consumer session timeout; a group join waits about half of it.")
    kafka_fetch_max_wait_ms: int = _shared(
        "KAFKA_FETCH_MAX_WAIT_MS", 500,
        "How long the broker may hold a consumer's fetch when there is nothing new. Apache Kafka answers as soon "
        "as a record arrives, so a longer wait costs no latency and saves the idle polls; the embedded Tansu "
        "answers only when the wait ends, so `kontakt up` sets 100 for it (docs/benchmarks.md, issue 22).")
    kafka_max_message_bytes: int = _shared(
        "KAFKA_MAX_MESSAGE_BYTES", 1_000_000,
        "Largest event (key, value, headers) a service may publish: a request that would create a larger one is "
        "refused with 413, and a consumer dead-letters a larger record. Keep it below the broker's "
        "message.max.bytes.")
    kafka_max_fetch_bytes: int = _shared(
        "KAFKA_MAX_FETCH_BYTES", 16 * 1024 * 1024,
        "Largest record a consumer fetches and the dead-letter producer carries on intact.")
    clock_offset_file: Path | None = _shared("KONTAKT_CLOCK_FILE", None,
                                             "Demo only: a JSON file {offset_s} shifting the service clock.")
    otlp_endpoint: str | None = _shared("OTEL_EXPORTER_OTLP_ENDPOINT", None, "OTLP/HTTP collector.")
    span_log: Path | None = _shared("KONTAKT_SPAN_LOG", None, "Write finished spans as JSON lines here (tests, ops).")
    log_file: Path | None = _shared("KONTAKT_LOG_FILE", None, "Also write application logs here.")

    auth_issuer: str = _shared("AUTH_ISSUER", "kontakt-local", "Expected JWT issuer.")
    auth_audience: str = _shared("AUTH_AUDIENCE", "en-vag-in", "Expected JWT audience.")
    auth_jwks_url: str | None = _shared("AUTH_JWKS_URL", None, "JWKS of the identity provider.")
    auth_jwks_file: Path | None = _shared("AUTH_JWKS_FILE", None, "JWKS file (the embedded local issuer writes one).")

    pseudonym_key: str = _shared("KONTAKT_PSEUDONYM_KEY", "dev-only-pseudonym-key-change-me",
                                 "Secret for keyed hashes of identity numbers.")
    keyvault_url: str = _shared("KONTAKT_KEYVAULT_URL", "", "Per-person key store (crypto-shredding).")

    outbox_republish_on_start: bool = _shared("KONTAKT_OUTBOX_REPUBLISH", False,
                                              "Re-publish the whole outbox at start (empty in-memory broker).")
    broker_watch_interval_s: float = _shared(
        "KONTAKT_BROKER_WATCH_S", 0.0,
        "Embedded broker only (`kontakt up` sets 2): how often to check the broker's cluster id; a change (it "
        "restarted empty) makes the service re-create its topics, re-publish its outbox and re-read from the "
        "start. 0 (the default, for a durable broker) turns it off.")
    consumer_group_prefix: str = ""  # tests give each run its own groups
    consumer_max_attempts: int = 5
    consumer_max_poll_interval_ms: int = 300_000
    consumer_backoff_base_s: float = 0.2
    consumer_backoff_max_s: float = 5.0
    stall_after_s: float = 120.0
    # when the pipeline counts as degraded (GET /health/pipeline answers 503; see docs/operations.md)
    relay_stall_after_s: float = 60.0  # rows wait and the relay has sent nothing for this long
    outbox_max_age_s: float = 300.0  # the oldest unsent (not parked) row is older than this
    consumer_no_progress_after_s: float = 120.0  # a group has lag and has applied nothing for this long
    dead_letter_window_s: float = 900.0  # a dead letter was written within this window
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest request body of a route that does not "
                                "declare its own (JSON forms); larger -> 413.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"

    def resolved_keyvault_url(self) -> str:
        if self.keyvault_url:
            return self.keyvault_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'keyvault.db').resolve()}"
