"""docker-compose.yml and deploy/ agree with contracts/ and the services' settings (no Docker engine needed)."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from contracts.registry import dead_letter_topic
from contracts.topics import ALL_TOPICS, PARTITIONS
from deploy.create_topics import consumer_groups, planned_topics, settings_class
from kontakt.system import SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
_VAR = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(value: Any) -> str:
    """What compose would pass, with `${X:-default}` as its default and required `${X:?..}` as a stand-in."""
    def sub(m: re.Match[str]) -> str:
        return m["arg"] if m["op"] in (":-", "-") else "set-by-operator"
    return _VAR.sub(sub, str(value))


def _env(service: str) -> dict[str, str]:
    return {k: _interpolate(v) for k, v in COMPOSE["services"][service]["environment"].items()}


def _accepted_names(service: str) -> set[str]:
    """Every environment variable the service's settings class reads."""
    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix", "")
    names = set()
    for name, info in cls.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {c for c in alias.choices if isinstance(c, str)}
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def _module_resolves(command: list[str]) -> bool:
    assert command[:2] == ["python", "-m"], command
    module = command[2]
    spec = importlib.util.find_spec(module)
    main = importlib.util.find_spec(f"{module}.__main__") if spec and spec.submodule_search_locations else spec
    return main is not None


def test_infrastructure_is_all_there() -> None:
    assert {"kafka", "topic-init", "postgres", "otel-collector", "jaeger", "prometheus", "grafana",
            *SERVICES} <= set(COMPOSE["services"])
    kafka = COMPOSE["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller" and "CONTROLLER://" in env["KAFKA_LISTENERS"]  # KRaft
    for setting in ("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS",
                    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
        assert env[setting] == 1, setting  # single node; production overrides
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"  # so topic-init must create every topic
    assert env["KAFKA_NUM_PARTITIONS"] == PARTITIONS


def test_the_tests_run_the_same_apache_kafka_version_as_compose() -> None:
    from kontakt.apache_kafka import kafka_version

    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{kafka_version()}"
    assert kafka_version().startswith("4.")  # KRaft only, the protocol versions aiokafka 0.14 speaks


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_service_creates_topics_as_topic_init_does(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _env(service).items():
        monkeypatch.setenv(name, value)
    settings = settings_class(service)()
    init = {k: _interpolate(v) for k, v in COMPOSE["services"]["topic-init"]["environment"].items()}
    assert settings.kafka_create_topics is True
    assert (settings.kafka_topic_partitions, settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (
        int(init["KAFKA_TOPIC_PARTITIONS"]), int(init["KAFKA_REPLICATION_FACTOR"]), int(init["KAFKA_MIN_INSYNC_REPLICAS"]))


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_service_runs_its_own_module_from_the_one_dockerfile(service: str) -> None:
    spec = COMPOSE["services"][service]
    assert spec["build"] == "." and (ROOT / "Dockerfile").exists()
    assert spec["command"] == ["python", "-m", f"services.{service}"]
    assert _module_resolves(spec["command"])
    assert {"kafka", "postgres", "topic-init"} <= set(spec["depends_on"])


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_environment_variable_is_read_by_the_service_settings(service: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(service)
    unknown = set(env) - _accepted_names(service)
    assert unknown == set(), f"{service} would silently ignore {sorted(unknown)}"
    prefix = f"{service.upper()}_"
    assert {f"{prefix}DATABASE_URL", f"{prefix}HTTP_HOST", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_ENABLE_IDEMPOTENCE",
            "OTEL_EXPORTER_OTLP_ENDPOINT", "AUTH_JWKS_URL"} <= set(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = settings_class(service)()  # the values parse, and reach the fields they are meant for
    assert settings.kafka_idempotence is True and settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.database_url.startswith("postgresql://") and settings.http_host == "0.0.0.0"
    assert settings.otlp_endpoint == "http://otel-collector:4318" and settings.outbox_republish_on_start is False


@pytest.mark.parametrize("service", list(SERVICES))
def test_ports_agree_with_the_settings_defaults(service: str) -> None:
    port = settings_class(service)().http_port
    spec = COMPOSE["services"][service]
    assert spec["ports"] == [f"{port}:{port}"]
    assert f"127.0.0.1:{port}/health/ready" in " ".join(spec["healthcheck"]["test"])
    assert port == SERVICES[service]  # and with `kontakt up`
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    assert f"{service}:{port}" in targets


def test_each_service_has_its_own_database() -> None:
    created = COMPOSE["services"]["postgres"]["environment"]["KONTAKT_DATABASES"].split()
    used = {_env(s)[f"{s.upper()}_DATABASE_URL"].rsplit("/", 1)[1] for s in SERVICES}
    assert used == set(SERVICES) and used <= set(created)
    vaults = {v.rsplit("/", 1)[1] for s in SERVICES for k, v in _env(s).items() if k == "KONTAKT_KEYVAULT_URL"}
    assert vaults <= set(created)
    assert (ROOT / "deploy/postgres/init-databases.sh").exists()


def test_postgres_takes_every_connection_the_services_pools_may_open() -> None:
    """PostgreSQL refuses connections past max_connections ("too many clients"): a burst that fills every pool
    must not be refused. Each process has one engine per PostgreSQL database it uses."""
    from services.chassis.db import POOL_OVERFLOW, POOL_SIZE

    command = COMPOSE["services"]["postgres"]["command"]
    max_connections = int(next(a.split("=", 1)[1] for a in command if a.startswith("max_connections=")))
    needed = 0
    for service in SERVICES:
        env = _env(service)
        workers = int(env.get(f"{service.upper()}_HTTP_WORKERS", 1))
        databases = [v for k, v in env.items()
                     if k in (f"{service.upper()}_DATABASE_URL", "KONTAKT_KEYVAULT_URL") and v.startswith("postgresql")]
        needed += workers * len(databases) * (POOL_SIZE + POOL_OVERFLOW)
    needed += POOL_SIZE + POOL_OVERFLOW  # the workspace's sessions
    assert needed + 20 <= max_connections, (needed, max_connections)  # 20 for migrations, topic-init, operators


def test_the_workspace_signs_in_at_the_provider_with_secure_cookies_and_its_own_database(
        monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env("workspace")
    assert set(env) <= _accepted_names("workspace"), sorted(set(env) - _accepted_names("workspace"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = settings_class("workspace")()
    assert settings.http_host == "0.0.0.0" and settings.secure_cookie() and not settings.local_signin
    assert settings.oidc_issuer == settings.auth_issuer and settings.oidc_client_secret.get_secret_value()
    assert settings.database_url.rsplit("/", 1)[1] == "workspace"
    assert "workspace" in COMPOSE["services"]["postgres"]["environment"]["KONTAKT_DATABASES"].split()
    assert all(env[f"WORKSPACE_{s.upper()}_URL"] == f"http://{s}:{port}" for s, port in SERVICES.items())
    assert COMPOSE["services"]["workspace"]["ports"] == [f"{settings.http_port}:{settings.http_port}"]


def test_topics_created_agree_with_the_contracts_and_every_consumer_has_its_dead_letter_topic() -> None:
    init = COMPOSE["services"]["topic-init"]
    assert _module_resolves(init["command"]) and init["command"][2] == "deploy.create_topics"
    assert int(init["environment"]["KAFKA_TOPIC_PARTITIONS"]) == PARTITIONS
    topics = planned_topics()
    dead_letters = {dead_letter_topic(g) for s in SERVICES for g in consumer_groups(s)}
    assert topics[:len(ALL_TOPICS)] == ALL_TOPICS
    assert set(topics) == set(ALL_TOPICS) | dead_letters


def test_telemetry_and_dashboards_are_wired() -> None:
    collector = yaml.safe_load((ROOT / "deploy/otel/collector.yaml").read_text())
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert "otlp/jaeger" in collector["service"]["pipelines"]["traces"]["exporters"]
    assert collector["exporters"]["otlp/jaeger"]["endpoint"].startswith("jaeger:")
    sources = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/datasources.yml").read_text())
    assert {d["type"] for d in sources["datasources"]} == {"prometheus", "jaeger"}
    for board in (ROOT / "deploy/grafana/dashboards").glob("*.json"):
        assert json.loads(board.read_text())["panels"], board.name
