"""Boundary values in every parameter and body field of every route of the five services: empty and blank strings,
strings of odd bytes, integers beyond 64 bits. Valid requests are generated from the route's OpenAPI (hypothesis,
through schemathesis); then each of their values in turn (every path and query parameter, every leaf of the JSON
body, list items included) is replaced by each edge value; whatever the route then says, it is never a 500.

Found by this walk (issue 26): `GET /api/kpi/equal-care?by=` and `POST /ops/outbox/redrive {"ids": [2**63]}`.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from services.chassis.issuer import LocalIssuer
from tests.security.test_fuzz_services import SERVICES, SKIP, _schema

EXAMPLES = int(os.environ.get("KONTAKT_EDGE_EXAMPLES", "2"))  # valid requests per route; each spot of each is varied
EDGES = (2**63, -(2**63) - 1, 10**40, "", " ", "\x00", "å" * 300, "x" * 5000)
Leaf = tuple[str, tuple[Any, ...]]  # where the value sits: ("query"|"path"|"body", key path)


@pytest.fixture(scope="module")
def fuzz_issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer(tmp_path_factory.mktemp("edge-keys"))


def leaves(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Key paths of every scalar in a JSON value (dict keys and list indexes)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaves(v, (*at, k))] or [at]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaves(v, (*at, i))] or [(*at, 0)]
    return [at]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value.get(head), rest, new)}
    if isinstance(value, list):
        items = list(value) or [None]
        items[head] = replaced(items[head], rest, new)
        return items
    return new


def spots(case: Any) -> list[Leaf]:
    """Every declared path and query parameter (given in this case or not) and every leaf of its JSON body."""
    declared = case.operation.definition.raw.get("parameters", [])
    out: list[Leaf] = [(p["in"], (p["name"],)) for p in declared if p.get("in") in ("query", "path")]
    if isinstance(case.body, (dict, list)):
        out += [("body", p) for p in leaves(case.body) if p]
    return out


def call(case: Any, kind: str, path: tuple[Any, ...], value: Any) -> str | None:
    """Send the case with one value replaced; what went wrong if it was a 500 (None otherwise)."""
    query, params, body = dict(case.query or {}), dict(case.path_parameters or {}), copy.deepcopy(case.body)
    if kind == "body":
        case.body = replaced(body, path, value)
    else:
        if kind == "query":
            case.query = {**query, path[0]: str(value)}
        else:
            case.path_parameters = {**params, path[0]: str(value)}
    said = f"{case.method} {case.operation.path} {kind} {path}={value!r:.40} ->"
    try:
        response = case.call()
    except Exception as exc:  # the app raised through the test transport: what a client sees as a 500
        if type(exc).__module__.startswith("schemathesis"):
            return None  # the client could not even send it (an integer as a PDF part): nothing reached the app
        return f"{said} {type(exc).__name__}: {str(exc)[:120]}"
    finally:
        case.query, case.path_parameters, case.body = query, params, body
    return f"{said} {response.status_code} {response.text[:160]}" if response.status_code >= 500 else None


@pytest.mark.parametrize("service", SERVICES)
def test_no_edge_value_in_any_parameter_or_field_gives_a_500(service: str, fuzz_issuer: LocalIssuer,
                                                             tmp_path: Path) -> None:
    schema = _schema(service, tmp_path, fuzz_issuer)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (service, operation.path) in SKIP:
            continue
        roles = operation.definition.raw.get("x-roles") or ["ops"]
        token = fuzz_issuer.token(roles[0], licensed=True, unit="bup-umea")

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def run(case: Any) -> None:
            nonlocal calls
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            for kind, path in spots(case):  # every spot of a valid request, each edge value in turn
                for value in EDGES:
                    calls += 1
                    failure = call(case, kind, path, value)
                    if failure:
                        failures.append(failure)

        run()
    print(f"\n[edge-values-{service}] {calls} requests with one edge value each")
    assert failures == [], "\n".join(sorted(set(failures)))
    assert calls > 50
