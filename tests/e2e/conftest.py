"""The five services as separate processes on their own embedded broker, with span and log capture."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kontakt.broker import free_port
from kontakt.system import SERVICES, System
from services.chassis.issuer import LocalIssuer


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


@pytest.fixture(scope="module")
def running_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("system")
    ports = {name: free_port() for name in SERVICES}
    system = System(data_dir=data_dir, broker_port=free_port(), ports=ports, sink_ports=(free_port(), free_port()),
                    extra_env={
        "KONTAKT_SPAN_LOG": str(data_dir / "spans.jsonl"),
        "KONTAKT_LOG_FILE": str(data_dir / "app.log"),
    })
    issuer = LocalIssuer(data_dir / "keys")
    try:
        system.start()
        yield RunningSystem(system, data_dir, issuer)
    finally:
        system.stop()
