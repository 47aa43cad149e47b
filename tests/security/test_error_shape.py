"""One error shape everywhere: every refusal of every service is RFC 9457 application/problem+json, bilingual.

Walks every route of all five services (apps built, not started: these refusals come before any database
or broker work) for 401, 403, 404, 405, 413 (declared and streamed) and 422; 409 and 503 are checked where
they arise (booking's tests, tests/faults/test_database_unreachable.py) with the same `assert_problem`.
"""
from __future__ import annotations

import importlib
import time
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.chassis.auth import ROLES
from services.chassis.errors import Problem
from services.chassis.issuer import LocalIssuer
from services.chassis.openapi import api_routes, roles_of
from tests.security.test_endpoint_auth import SERVICES, concrete


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is a problem document of `status`; with `field`, it names that field in Swedish and English."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers["content-type"]
    body = response.json()
    Problem.model_validate(body)
    assert body["status"] == status and body["type"].startswith("urn:en-vag-in:problem:")
    assert body["title"] and body["title_sv"] and body["detail"] and body["detail_sv"]
    assert body["instance"] == response.request.url.path
    for e in body["errors"]:
        assert e["sv"] and e["en"] and e["field"] and e["location"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body["errors"]
    return body


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    issuer = LocalIssuer(tmp_path_factory.mktemp("keys"))
    out = {}
    for name in SERVICES:
        rt, app = importlib.import_module(f"services.{name}.app").build()
        rt.verifier._jwks_file = issuer.jwks_file
        rt.verifier._file_keys = None
        out[name] = (rt, app, TestClient(app, raise_server_exceptions=False))
    return out, issuer


def _routes(services) -> list[tuple[str, APIRoute]]:  # type: ignore[no-untyped-def]
    apps, _ = services
    return [(name, r) for name, (_, app, _) in apps.items() for r in api_routes(app) if roles_of(r)]


def test_every_route_answers_401_and_403_as_problems(services) -> None:  # type: ignore[no-untyped-def]
    apps, issuer = services
    checked = 0
    for name, route in _routes(services):
        client = apps[name][2]
        method, path = sorted(route.methods)[0], concrete(route.path)
        assert_problem(client.request(method, path), 401)
        expired = issuer.token(roles_of(route)[0], ttl_s=-60, now=time.time() - 10)
        body = assert_problem(client.request(method, path, headers={"Authorization": f"Bearer {expired}"}), 401)
        assert body["detail"] == "Token expired." and body["detail_sv"] == "Inloggningen har gått ut."
        wrong = next(r for r in ROLES if r not in roles_of(route))
        body = assert_problem(client.request(method, path, headers={"Authorization": f"Bearer {issuer.token(wrong)}"}), 403)
        assert wrong in body["detail"] and wrong in body["detail_sv"]
        checked += 1
    print(f"\n[error-shape] 401/403 problems on {checked} routes of {len(SERVICES)} services")
    assert checked >= 40


def test_unknown_path_and_wrong_method_are_problems_on_every_service(services) -> None:  # type: ignore[no-untyped-def]
    apps, _ = services
    for name, (_, _, client) in apps.items():
        body = assert_problem(client.get("/api/no-such-thing"), 404)
        assert body["detail_sv"] != body["detail"]
        assert_problem(client.delete("/health/live"), 405)


def test_every_body_route_refuses_an_oversized_body_before_parsing_with_413(services) -> None:  # type: ignore[no-untyped-def]
    apps, issuer = services
    checked = 0
    for name, route in _routes(services):
        method = sorted(route.methods)[0]
        if method not in ("POST", "PUT"):
            continue
        rt, app, client = apps[name]
        op = app.openapi()["paths"][route.path][method.lower()]
        limit = int(op.get("x-max-body-bytes", rt.settings.max_body_bytes))
        media = next(iter(op.get("requestBody", {}).get("content", {"application/json": {}})))
        if media == "multipart/form-data":
            media += "; boundary=x"  # the form parser must be the one that reads the stream
        headers = {"Authorization": f"Bearer {issuer.token(roles_of(route)[0])}", "Content-Type": media}
        too_big = b"[" + b"0," * (limit // 2) + b"0]"
        body = assert_problem(client.request(method, concrete(route.path), content=too_big, headers=headers), 413,
                              field="body")
        assert str(limit // 1024) in body["detail"]

        def streamed():  # type: ignore[no-untyped-def]  # no Content-Length: counted as it arrives
            for _ in range(limit // 8192 + 2):
                yield b" " * 8192

        if "requestBody" in op:  # a route that takes no body never reads one, so nothing streamed is held
            assert_problem(client.request(method, concrete(route.path), content=streamed(), headers=headers), 413)
            checked += 1
    print(f"\n[error-shape] 413 (declared and streamed) on {checked} body routes")
    assert checked >= 20


def test_a_body_within_the_limit_still_reaches_validation(services) -> None:  # type: ignore[no-untyped-def]
    apps, issuer = services
    client = apps["intake"][2]
    r = client.post("/api/referrals", content=b"{", headers={"Authorization": f"Bearer {issuer.token('ops')}",
                                                             "Content-Type": "application/json"})
    body = assert_problem(r, 422)
    assert body["errors"][0]["code"] == "json_invalid" and body["errors"][0]["sv"] == "Ogiltig JSON."


def test_every_json_body_route_names_a_wrong_field_in_both_languages(services) -> None:  # type: ignore[no-untyped-def]
    apps, issuer = services
    checked = 0
    for name, route in _routes(services):
        method = sorted(route.methods)[0]
        op = apps[name][1].openapi()["paths"][route.path][method.lower()]
        if "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        headers = {"Authorization": f"Bearer {issuer.token(roles_of(route)[0])}"}
        r = apps[name][2].request(method, concrete(route.path), json={"no_such_field": 1}, headers=headers)
        body = assert_problem(r, 422)
        assert body["errors"] and all(e["location"] == "body" for e in body["errors"])
        checked += 1
    assert checked >= 15


def test_openapi_documents_the_problem_answers_and_roles(services) -> None:  # type: ignore[no-untyped-def]
    apps, _ = services
    for name, (_, app, client) in apps.items():
        doc = client.get("/openapi.json").json()
        assert "Problem" in doc["components"]["schemas"] and "HTTPValidationError" not in doc["components"]["schemas"]
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if not path.startswith("/api"):
                    continue
                assert op["x-roles"] and f"Roles: {', '.join(op['x-roles'])}." in op["description"], (name, path)
                assert op["responses"]["4XX"]["content"]["application/problem+json"]
                assert "application/json" not in op["responses"].get("422", {}).get("content", {}), (name, path)
