"""Every endpoint of every service refuses a missing, expired, wrongly signed or wrong-role token."""
from __future__ import annotations

import importlib
import re
import time

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.chassis.auth import ROLES
from services.chassis.issuer import LocalIssuer

SERVICES = ["intake", "triage", "booking", "notifications", "kpi"]
# open on purpose: probes, metrics for the scraper, API docs, and the dashboard's static page
# (its data comes from role-checked APIs)
PUBLIC = re.compile(r"^/(health/(live|ready|pipeline)|metrics|docs.*|redoc.*|openapi\.json|dashboard(/[^/]+)?|static/.*)$")


def declared_roles(route: APIRoute) -> tuple[str, ...] | None:
    """The roles a route's `require(...)` dependency declares, found anywhere in its dependency tree."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles:
            return tuple(roles)
        stack.extend(dep.dependencies)
    return None


def flatten(routes: list) -> list[APIRoute]:  # type: ignore[type-arg]
    """API routes, including those of included routers (FastAPI wraps them in `original_router`)."""
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):
            prefix = getattr(r, "prefix", "") or ""
            for inner in flatten(r.original_router.routes):
                if prefix and not inner.path.startswith(prefix):
                    inner = APIRoute(prefix + inner.path, inner.endpoint, methods=inner.methods,
                                     dependencies=inner.dependencies)
                out.append(inner)
    return out


def all_routes() -> list[tuple[str, APIRoute]]:
    out = []
    for name in SERVICES:
        _, app = importlib.import_module(f"services.{name}.app").build()
        out += [(name, r) for r in flatten(app.routes)]
    return out


ROUTES = all_routes()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "C-000000000000", path)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Apps built without starting (no broker needed): auth is checked before anything else runs."""
    keys = tmp_path_factory.mktemp("keys")
    issuer = LocalIssuer(keys)
    stranger = LocalIssuer(tmp_path_factory.mktemp("stranger"))  # same claims, another signing key
    apps = {}
    for name in SERVICES:
        mod = importlib.import_module(f"services.{name}.app")
        rt, app = mod.build()
        rt.verifier._jwks_file = issuer.jwks_file
        rt.verifier._file_keys = None
        apps[name] = TestClient(app, raise_server_exceptions=False)
    return apps, issuer, stranger


def test_every_service_exposes_api_routes() -> None:
    for name in SERVICES:
        assert sum(1 for svc, r in ROUTES if svc == name and r.path.startswith("/api")) >= 2, name


def test_every_non_public_route_declares_roles() -> None:
    missing = [f"{svc} {sorted(r.methods)} {r.path}" for svc, r in ROUTES
               if not PUBLIC.match(r.path) and declared_roles(r) is None]
    assert not missing, f"routes without require(...): {missing}"


def test_kpi_analyst_cannot_reach_personal_data_services() -> None:
    allowed = [f"{svc} {r.path}" for svc, r in ROUTES
               if svc != "kpi" and "kpi_analyst" in (declared_roles(r) or ())]
    assert not allowed


@pytest.mark.parametrize("svc,route", [(s, r) for s, r in ROUTES if declared_roles(r)],
                         ids=lambda v: v if isinstance(v, str) else f"{sorted(v.methods)[0]} {v.path}")
def test_route_refuses_bad_tokens(clients, svc: str, route: APIRoute) -> None:  # type: ignore[no-untyped-def]
    apps, issuer, stranger = clients
    client: TestClient = apps[svc]
    method = sorted(route.methods)[0]
    path = concrete(route.path)
    roles = declared_roles(route) or ()
    role = roles[0]
    wrong = next(r for r in ROLES if r not in roles)

    def call(token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.request(method, path, headers=headers).status_code

    assert call(None) == 401
    assert call(issuer.token(role, ttl_s=-60, now=time.time() - 10)) == 401  # expired
    assert call(stranger.token(role)) == 401  # signed by someone else
    assert call(issuer.token(role)[:-4] + "AAAA") == 401  # tampered signature
    assert call(issuer.token(wrong)) == 403


