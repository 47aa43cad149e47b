"""Start and stop the whole system: a broker (the embedded Tansu, or a local Apache Kafka), five service processes."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contracts.topics import ALL_TOPICS, PARTITIONS
from kontakt.apache_kafka import ApacheKafka
from kontakt.broker import EmbeddedBroker, wait_for_port
from services.chassis.issuer import LocalIssuer
from services.chassis.topics import ensure_topics

SERVICES: dict[str, int] = {"intake": 8101, "triage": 8102, "booking": 8103, "notifications": 8104, "kpi": 8105}
# staff-facing apps over the services' public APIs; started when a port is given for them
APPS: dict[str, int] = {"workspace": 8106}
SINKS: tuple[int, int] = (8190, 8025)  # stand-in SMS/letter gateway (HTTP) and SMTP relay
PORTS_FILE = "ports.json"  # in the data directory: where `kontakt up` put each service, for the other commands


def ports_from(base: int) -> tuple[dict[str, int], tuple[int, int]]:
    """The services' and apps' ports (default: 8101-8106) and the sinks' (8190, 8025), or, from `base`, all
    eight in a row, so a second system runs beside the first in another data directory."""
    if not base:
        return {**SERVICES, **APPS}, SINKS
    names = [*SERVICES, *APPS]
    return {n: base + i for i, n in enumerate(names)}, (base + len(names), base + len(names) + 1)


def write_ports(data_dir: Path, ports: dict[str, int], bootstrap: str | None = None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / PORTS_FILE).write_text(json.dumps({"ports": ports, "bootstrap": bootstrap}))


def _written(data_dir: Path) -> dict[str, Any]:
    f = data_dir / PORTS_FILE
    return dict(json.loads(f.read_text())) if f.exists() else {}


def read_ports(data_dir: Path) -> dict[str, int]:
    """Where the system of `data_dir` listens: as its `kontakt up` wrote it, else the defaults."""
    return {**SERVICES, **APPS, **_written(data_dir).get("ports", {})}


def read_bootstrap(data_dir: Path) -> str | None:
    """The broker the system of `data_dir` runs on, as its `kontakt up` wrote it."""
    found = _written(data_dir).get("bootstrap")
    return str(found) if found else None


@dataclass
class System:
    data_dir: Path
    broker_port: int = 9092
    bootstrap: str | None = None  # an external broker; None starts one of broker_kind
    broker_kind: str = "tansu"  # "tansu": embedded, in memory; "apache": local Apache Kafka, data kept in data_dir
    controller_port: int = 0  # Apache Kafka's KRaft controller listener; 0: broker_port + 1 (9093, as in compose)
    ports: dict[str, int] = field(default_factory=lambda: {**SERVICES, **APPS})
    extra_env: dict[str, str] = field(default_factory=dict)
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    broker: EmbeddedBroker | ApacheKafka | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    sink_ports: tuple[int, int] = SINKS
    sinks: subprocess.Popen[bytes] | None = None

    def start_sinks(self) -> None:
        """Local stand-ins for the SMS gateway, digital mailbox and SMTP relay (see kontakt/sinks.py)."""
        http_port, smtp_port = self.sink_ports
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        out = open(logs / "sinks.log", "ab")  # noqa: SIM115
        self.sinks = subprocess.Popen([sys.executable, "-m", "kontakt.sinks", str(self.data_dir), str(http_port),
                                       str(smtp_port)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port("127.0.0.1", http_port)
        wait_for_port("127.0.0.1", smtp_port)

    def start_broker(self) -> str:
        if self.bootstrap:
            return self.bootstrap
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.broker_kind == "apache":
            # the log directory under data_dir survives restarts, as a deployment's volume does
            self.broker = ApacheKafka(self.data_dir / "kafka", self.broker_port,
                                      controller_port=self.controller_port or self.broker_port + 1).start()
        elif self.broker_kind == "tansu":
            self.broker = EmbeddedBroker(self.broker_port, log_path=self.data_dir / "broker.log").start()
        else:
            raise ValueError(f"broker must be tansu or apache, not {self.broker_kind!r}")
        self.bootstrap = self.broker.bootstrap
        # consumers subscribe to these at start; each service creates its own dead-letter topics
        asyncio.run(ensure_topics(self.bootstrap, ALL_TOPICS, partitions=PARTITIONS))
        return self.bootstrap

    def env_for(self, name: str) -> dict[str, str]:
        issuer = LocalIssuer(self.data_dir / "keys")
        env = dict(os.environ)
        env.update({
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap or "",
            "KONTAKT_DATA_DIR": str(self.data_dir.resolve()),
            "AUTH_JWKS_FILE": str(issuer.jwks_file.resolve()),
            # the embedded broker keeps nothing: every start re-publishes each service's outbox
            "KONTAKT_OUTBOX_REPUBLISH": "true" if isinstance(self.broker, EmbeddedBroker) else "false",
            # ... and may restart empty under running services: they notice (cluster id) and heal
            "KONTAKT_BROKER_WATCH_S": "2" if isinstance(self.broker, EmbeddedBroker) else "0",
            f"{name.upper()}_HTTP_PORT": str(self.ports[name]),
            "PYTHONUNBUFFERED": "1",
            "KONTAKT_CLOCK_FILE": str((self.data_dir / "clock.json").resolve()),
            "KAFKA_SESSION_TIMEOUT_MS": os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "6000"),
        })
        if isinstance(self.broker, EmbeddedBroker):  # Tansu holds an empty fetch to the end of its wait
            env.setdefault("KAFKA_FETCH_MAX_WAIT_MS", "100")
        if self.broker is not None:  # idempotent producers on Apache Kafka; Tansu refuses them
            env["KAFKA_ENABLE_IDEMPOTENCE"] = "true" if isinstance(self.broker, ApacheKafka) else "false"
        if name == "workspace":
            env.update({f"WORKSPACE_{svc.upper()}_URL": f"http://127.0.0.1:{self.ports[svc]}" for svc in SERVICES})
            # the embedded default signs people in with the local issuer (a page to pick role and unit)
            env["WORKSPACE_LOCAL_SIGNIN"] = "true"
        if name == "notifications" and self.sinks is not None:
            http_port, smtp_port = self.sink_ports
            env.update({"NOTIFICATIONS_SMS_GATEWAY_URL": f"http://127.0.0.1:{http_port}/sms",
                        "NOTIFICATIONS_DIGITAL_LETTER_URL": f"http://127.0.0.1:{http_port}/letters",
                        "NOTIFICATIONS_EXCHANGE_URL": f"http://127.0.0.1:{http_port}/exchange/messages",
                        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp_port)})
        if name == "booking" and self.sinks is not None:  # the interpreting agency's stand-in
            env["BOOKING_INTERPRETING_URL"] = f"http://127.0.0.1:{self.sink_ports[0]}/interpreting"
        if not env.get("OTEL_EXPORTER_OTLP_ENDPOINT") and not env.get("KONTAKT_SPAN_LOG"):
            # no collector on the embedded default: keep the spans in a file per service for `kontakt trace`
            env["KONTAKT_SPAN_LOG"] = str((self.data_dir / "traces" / f"{name}.jsonl").resolve())
        env.update(self.extra_env)
        return env

    def start_service(self, name: str) -> subprocess.Popen[bytes]:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        out = open(logs / f"{name}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=self.env_for(name),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def wait_ready(self, names: list[str] | None = None, timeout: float = 90.0) -> dict[str, float]:
        start = time.monotonic()
        ready: dict[str, float] = {}
        pending = list(names or self.services)
        while pending and time.monotonic() - start < timeout:
            for name in list(pending):
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.data_dir}/logs/{name}.log")
                try:
                    r = httpx.get(f"http://127.0.0.1:{self.ports[name]}/health/ready", timeout=1.0)
                    if r.status_code == 200:
                        ready[name] = time.monotonic() - start
                        pending.remove(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if pending:
            raise TimeoutError(f"not ready after {timeout}s: {', '.join(pending)}")
        return ready

    @property
    def apps(self) -> list[str]:
        return [name for name in APPS if name in self.ports]

    def start(self) -> dict[str, float]:
        self.start_broker()
        self.start_sinks()
        for name in self.services:
            self.start_service(name)
        for name in self.apps:
            self.start_service(name)
        return self.wait_ready([*self.services, *self.apps])

    def stop_service(self, name: str, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int | None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc else None
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name in list(self.procs):
            self.stop_service(name)
        if self.broker:
            self.broker.stop()
            self.broker = None
        if self.sinks and self.sinks.poll() is None:
            self.sinks.terminate()
            self.sinks.wait(10)
