"""The five services as separate processes on a broker of their own (KONTAKT_TEST_BROKER's kind), with span and
log capture."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kontakt.broker import free_port
from kontakt.system import SERVICES, System
from services.chassis.issuer import LocalIssuer
from tests.conftest import TEST_BROKER


@dataclass
class RunningSystem:
    system: System
    data_dir: Path
    issuer: LocalIssuer

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.system.ports[service]}"

    def client(self, service: str, role: str, unit: str | None = None, licensed: bool | None = None) -> httpx.Client:
        token = self.issuer.token(role, unit=unit, licensed=licensed)
        return httpx.Client(base_url=self.url(service), headers={"Authorization": f"Bearer {token}"}, timeout=20)

    @property
    def span_log(self) -> Path:
        return self.data_dir / "spans.jsonl"

    def sent(self, kind: str) -> list[dict]:  # type: ignore[type-arg]
        """What the stand-in gateways delivered: kind is sms, letters or mail."""
        import json

        f = self.data_dir / "sent" / f"{kind}.jsonl"
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


def quiet_hours_away_from_now(data_dir: Path) -> Path:
    """The shipped policy, with its quiet hours moved to start two hours from now, so a family message of
    the journey is sent at once whenever the suite runs (quiet hours have their own tests)."""
    from datetime import datetime, timedelta

    import yaml

    from services.chassis.clock import STOCKHOLM

    shipped = Path(__file__).resolve().parents[2] / "services/notifications/data/notification_policy.yaml"
    policy = yaml.safe_load(shipped.read_text())
    now = datetime.now(STOCKHOLM)
    policy["quiet_hours"] = {"start": f"{(now + timedelta(hours=2)):%H}:00", "end": f"{(now + timedelta(hours=3)):%H}:00"}
    path = data_dir / "notification_policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def running_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("system")
    ports = {name: free_port() for name in SERVICES}
    policy = quiet_hours_away_from_now(data_dir)
    system = System(data_dir=data_dir, broker_port=free_port(), ports=ports, sink_ports=(free_port(), free_port()),
                    broker_kind=TEST_BROKER, controller_port=free_port(), extra_env={
        "KONTAKT_SPAN_LOG": str(data_dir / "spans.jsonl"),
        "KONTAKT_LOG_FILE": str(data_dir / "app.log"),
        "NOTIFICATIONS_POLICY_FILE": str(policy),
    })
    issuer = LocalIssuer(data_dir / "keys")
    try:
        system.start()
        yield RunningSystem(system, data_dir, issuer)
    finally:
        system.stop()
