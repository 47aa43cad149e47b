"""The five services as processes on an embedded Tansu broker of their own (explicitly Tansu: the
broker-forgets test kills and restarts it, and Tansu takes records over 1 MB that Apache Kafka's defaults
refuse), with helpers to read what each service applied."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from kontakt.broker import free_port
from kontakt.system import SERVICES, System
from services.chassis.issuer import LocalIssuer

# every consumer group of the five services and the topics it reads (services/*/handlers.py)
GROUPS: dict[str, tuple[str, list[str]]] = {
    "triage.cases": ("triage", ["intake.cases.v1"]),
    "booking.cases": ("booking", ["intake.cases.v1"]),
    "booking.decisions": ("booking", ["triage.assessments.v1"]),
    "booking.forecasts": ("booking", ["kpi.forecasts.v1"]),
    "intake.assessments": ("intake", ["triage.assessments.v1"]),
    "intake.checkins": ("intake", ["notifications.deliveries.v1"]),
    "kpi.projections": ("kpi", ["intake.telephony.v1", "intake.cases.v1", "triage.assessments.v1",
                                "booking.appointments.v1", "notifications.deliveries.v1"]),
    "notifications.contacts": ("notifications", ["intake.cases.v1"]),
    "notifications.callbacks": ("notifications", ["intake.telephony.v1"]),
    "notifications.bookings": ("notifications", ["booking.appointments.v1"]),
    "notifications.risks": ("notifications", ["triage.assessments.v1"]),
    "notifications.deviations": ("notifications", ["kpi.deviations.v1"]),
    "notifications.referrers": ("notifications", ["intake.cases.v1", "triage.assessments.v1", "booking.appointments.v1"]),
    "notifications.checkins": ("notifications", ["intake.cases.v1", "triage.assessments.v1", "booking.appointments.v1"]),
}


@dataclass
class Five:
    system: System
    data_dir: Path
    issuer: LocalIssuer

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.system.ports[service]}"

    def applied(self, service: str, group: str, event_ids: set[str]) -> dict[str, int]:
        """event id -> inbox rows of `group` (the inbox's primary key makes more than one impossible)."""
        engine = create_engine(f"sqlite:///{self.data_dir / f'{service}.db'}")
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT event_id, count(*) FROM inbox WHERE consumer = :g GROUP BY event_id"),
                                    {"g": group}).all()
        finally:
            engine.dispose()
        return {e: n for e, n in rows if e in event_ids}

    def metric(self, service: str, name: str) -> dict[str, float]:
        """label set -> value for one metric on the service's /metrics."""
        out = {}
        for line in httpx.get(f"{self.url(service)}/metrics", timeout=10).text.splitlines():
            if m := re.match(rf"{name}(\{{[^}}]*\}})? (\S+)$", line):
                out[m.group(1) or ""] = float(m.group(2))
        return out


@pytest.fixture(scope="module")
def five(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Five]:
    data_dir = tmp_path_factory.mktemp("five")
    system = System(data_dir=data_dir, broker_port=free_port(), ports={name: free_port() for name in SERVICES},
                    sink_ports=(free_port(), free_port()), broker_kind="tansu",  # whatever KONTAKT_TEST_BROKER says
                    extra_env={"KONTAKT_LOG_FILE": str(data_dir / "app.log"),
                               "KAFKA_ENABLE_IDEMPOTENCE": "false"})  # Tansu refuses idempotent producers
    try:
        system.start()
        yield Five(system, data_dir, LocalIssuer(data_dir / "keys"))
    finally:
        system.stop()
