"""Helpers for the chassis tests: a probe service on the real broker, raw producing, waiting, reading."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, CaseClosed, CaseClosedPayload
from kontakt.broker import read_all
from services.chassis.runtime import ServiceRuntime
from tests.probe_service import ProbeSettings, Tally, build

# retries in milliseconds, so a failing handler is dead-lettered in well under a second
FAST = {"consumer_max_attempts": 3, "consumer_backoff_base_s": 0.05, "consumer_backoff_max_s": 0.2}




def closed(case_id: str | None = None) -> CaseClosed:
    return CaseClosed.new(case_id=case_id or new_case_id(), occurred_at=datetime.now(UTC),
                          payload=CaseClosedPayload(reason="completed"))


def applied(rt: ServiceRuntime, case_id: str) -> int:
    with Session(rt.db.engine) as s:
        row = s.get(Tally, case_id)
        return row.applied if row else 0


async def produce(bootstrap: str, *messages: tuple[bytes | None, bytes, list[tuple[str, bytes]]],
                  topic: str = CASES_TOPIC) -> None:
    """Send raw (value, key, headers) records, in order, as a foreign or buggy producer would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value, key, headers in messages:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def records_of(bootstrap: str, topic: str, case_ids: set[str]) -> list[Any]:
    """Records on `topic` whose JSON value names one of our cases (the broker is shared by the session)."""
    found = []
    for rec in await read_all(bootstrap, topic):
        try:
            case = json.loads(rec.value).get("case_id")  # type: ignore[attr-defined]
        except (TypeError, ValueError, AttributeError):
            continue
        if case in case_ids:
            found.append(rec)
    return found


@pytest.fixture
def probe_settings(kafka_bootstrap: str, tmp_path: Path, issuer, unique: str):  # type: ignore[no-untyped-def]
    """Settings factory for a probe with its own database and consumer groups."""
    def make(**overrides: Any) -> ProbeSettings:
        values: dict[str, Any] = dict(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path,
                                      auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-", **FAST)
        values.update(overrides)
        return ProbeSettings(**values)
    return make


@pytest.fixture
def probe(probe_settings):  # type: ignore[no-untyped-def]
    return build(probe_settings())
