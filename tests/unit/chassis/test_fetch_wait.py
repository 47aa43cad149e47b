"""How long a consumer lets the broker hold an empty fetch: Apache Kafka's long poll answers when a record
arrives, so the services wait 500 ms there (fewer idle polls, no latency); the embedded Tansu answers only when
the wait ends, so `kontakt up` gives its services 100 ms (docs/benchmarks.md, issue 22)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from faststream.kafka import KafkaRouter

from kontakt.apache_kafka import ApacheKafka
from kontakt.broker import EmbeddedBroker
from kontakt.system import System
from services.chassis.consumers import Consumers
from services.chassis.db import Database
from services.chassis.dead_letters import DeadLetters
from services.chassis.settings import ServiceSettings


def test_the_services_wait_500_ms_unless_told_and_the_setting_reaches_every_subscriber(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_FETCH_MAX_WAIT_MS", raising=False)
    assert ServiceSettings().kafka_fetch_max_wait_ms == 500
    monkeypatch.setenv("KAFKA_FETCH_MAX_WAIT_MS", "100")
    assert ServiceSettings().kafka_fetch_max_wait_ms == 100
    consumers = Consumers(cast(Database, None), cast(DeadLetters, None), fetch_max_wait_ms=321)
    router = KafkaRouter()
    consumers.group(router, "intake.cases.v1", name="test.wait")
    _, subscriber = consumers.subscribers[0]
    # FastStream keeps the arguments it gives AIOKafkaConsumer here
    args: dict[str, Any] = subscriber._connection_args
    assert args["fetch_max_wait_ms"] == 321


def test_kontakt_up_gives_the_services_100_ms_on_tansu_and_leaves_apache_kafka_at_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_FETCH_MAX_WAIT_MS", raising=False)
    tansu = System(data_dir=tmp_path, broker=EmbeddedBroker(port=1))  # never started: only its kind counts
    assert tansu.env_for("notifications")["KAFKA_FETCH_MAX_WAIT_MS"] == "100"
    apache = System(data_dir=tmp_path, broker_kind="apache", broker=ApacheKafka(tmp_path / "kafka", port=1,
                                                                             controller_port=2))
    assert "KAFKA_FETCH_MAX_WAIT_MS" not in apache.env_for("notifications")
