"""The ops routes every service serves (issue 26): a re-drive's ids are bounded to what the database holds, and
health says only its status to anyone without an ops token (no group names, lag or relay error text)."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.chassis.issuer import LocalIssuer
from tests.security.test_fuzz_services import SERVICES, _settings


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer(tmp_path_factory.mktemp("ops-keys"))


def client(service: str, tmp_path: Path, keys: LocalIssuer) -> TestClient:
    rt, app = importlib.import_module(f"services.{service}.app").build(_settings(service, tmp_path, keys))
    rt.migrate()
    return TestClient(app)  # without `with`: no lifespan, no broker; the HTTP edge alone


@pytest.mark.parametrize("service", SERVICES)
def test_a_redrive_of_ids_beyond_64_bits_or_too_many_is_refused_not_a_500(service: str, tmp_path: Path,
                                                                          keys: LocalIssuer) -> None:
    c = client(service, tmp_path, keys)
    ops = {"Authorization": f"Bearer {keys.token('ops')}"}
    for ids in ([2**63], [-1], [0], list(range(1, 1002))):
        r = c.post("/ops/outbox/redrive", json={"ids": ids}, headers=ops)
        assert r.status_code == 422, (ids[:3], r.text[:200])
        assert r.headers["content-type"] == "application/problem+json" and r.json()["errors"][0]["field"].startswith("ids")
    assert c.post("/ops/outbox/redrive", json={"ids": [2**63 - 1]}, headers=ops).json() == {"redriven": 0}


def test_health_says_only_its_status_without_an_ops_token(tmp_path: Path, keys: LocalIssuer) -> None:
    c = client("intake", tmp_path, keys)
    for headers in ({}, {"Authorization": f"Bearer {keys.token('clinician')}"}, {"Authorization": "Bearer x.y.z"}):
        pipeline = c.get("/health/pipeline", headers=headers)
        ready = c.get("/health/ready", headers=headers)
        assert set(pipeline.json()) == {"status"}, pipeline.json()
        assert set(ready.json()) <= {"status", "started", "database", "pipeline"}, ready.json()
    ops = {"Authorization": f"Bearer {keys.token('ops')}"}
    assert {"reasons", "outbox", "consumer_lag"} <= set(c.get("/health/pipeline", headers=ops).json())
    assert {"relay_error", "stalled_consumers", "degraded"} <= set(c.get("/health/ready", headers=ops).json())

