"""Fuzzing all five services from their own OpenAPI documents: no input makes any of them answer 500,
and every answer, success or refusal, matches the schema its document declares.

Derandomised (the same inputs on every run) and bounded per operation, so the suite stays quick. A longer,
random exploration is a documented command (docs/developing.md):

    KONTAKT_FUZZ_EXAMPLES=500 KONTAKT_FUZZ_RANDOM=1 .venv/bin/python -m pytest -q -s tests/security/test_fuzz_services.py

Each service is built and migrated on its own SQLite file, without its broker lifespan: a request that would
publish leaves the event in the outbox, which is all the HTTP edge does.
"""
from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from services.chassis.issuer import LocalIssuer

SERVICES = ["intake", "triage", "booking", "notifications", "kpi"]
EXAMPLES = int(os.environ.get("KONTAKT_FUZZ_EXAMPLES", "8"))
RANDOM = os.environ.get("KONTAKT_FUZZ_RANDOM") == "1"
SKIP = {("notifications", "/api/stream")}  # an endless event stream; its refusals are in test_error_shape


def _without_lifespan(app: Any) -> Any:
    """The app minus its lifespan (broker, relay, consumers): the HTTP edge alone."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await app(scope, receive, send)

    return asgi


@pytest.fixture(scope="module")
def fuzz_issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer(tmp_path_factory.mktemp("fuzz-keys"))


def _schema(name: str, data: Path, issuer: LocalIssuer) -> Any:
    mod = importlib.import_module(f"services.{name}.app")
    rt, app = mod.build(_settings(name, data, issuer))
    rt.migrate()
    return schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan(app))


def _settings(name: str, data: Path, issuer: LocalIssuer) -> Any:
    mod = importlib.import_module(f"services.{name}.settings")
    cls = next(v for k, v in vars(mod).items() if k.endswith("Settings") and k != "ServiceSettings")
    return cls(data_dir=data, auth_jwks_file=issuer.jwks_file, kafka_bootstrap_servers="127.0.0.1:1")


@pytest.mark.parametrize("service", SERVICES)
def test_service_never_answers_500_and_keeps_to_its_schema(service: str, fuzz_issuer: LocalIssuer,
                                                          tmp_path: Path) -> None:
    schema = _schema(service, tmp_path, fuzz_issuer)
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    calls, statuses, t0 = 0, {}, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (service, operation.path) in SKIP or not operation.path.startswith("/api"):
            continue
        roles = operation.definition.raw.get("x-roles") or ["ops"]
        token = fuzz_issuer.token(roles[0], licensed=True, unit="bup-umea")
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                      derandomize=not RANDOM)
            def run(case) -> None:  # type: ignore[no-untyped-def]
                nonlocal calls
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
                response = case.call_and_validate(checks=checks)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                calls += 1

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no inputs)
    print(f"\n[fuzz-{service}] {calls} generated requests in {time.monotonic() - t0:.1f}s, "
          f"statuses {dict(sorted(statuses.items()))}, no 500, every answer matches its schema")
    assert calls > 20
    assert any(s < 300 for s in statuses), "nothing valid got through: the fuzzing only tested refusals"


def test_a_time_zone_offset_on_year_one_is_refused_clearly_not_with_a_500(fuzz_issuer: LocalIssuer,
                                                                         tmp_path: Path) -> None:
    """Found by the fuzz run: converting 0001-01-01T00:00+00:01 to UTC overflowed inside the database layer."""
    schema = _schema("intake", tmp_path, fuzz_issuer)
    op = next(r.ok() for r in schema.get_all_operations() if r.ok().path == "/api/telephony/events")
    case = op.Case(body={"at": "0001-01-01T00:00:00+00:01", "call_id": "c-1", "line": "public_1177", "step": "QueueFull"},
                   headers={"Authorization": f"Bearer {fuzz_issuer.token('ops')}"}, media_type="application/json")
    response = case.call()
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "at"
    assert "2000" in response.json()["errors"][0]["sv"]
