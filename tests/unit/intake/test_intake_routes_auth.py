"""Every intake endpoint declares its roles and refuses a caller without a token."""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from services.chassis.auth import ROLES


def _api_routes(app) -> list[APIRoute]:  # type: ignore[no-untyped-def]
    # FastAPI keeps included routers as wrappers: walk into them to reach the real routes
    out, stack = [], list(app.routes)
    while stack:
        r = stack.pop()
        if isinstance(r, APIRoute):
            out.append(r)
        stack.extend(getattr(getattr(r, "original_router", None), "routes", []))
    return [r for r in out if r.path.startswith("/api/")]


def _roles(route: APIRoute) -> tuple[str, ...]:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "roles", None):
            return tuple(dep.call.roles)  # type: ignore[union-attr]
        stack.extend(dep.dependencies)
    return ()


async def test_every_api_route_declares_roles_and_none_for_analysts(intake) -> None:  # type: ignore[no-untyped-def]
    routes = _api_routes(intake.app)
    assert len(routes) >= 13
    for r in routes:
        roles = _roles(r)
        assert roles and set(roles) <= set(ROLES), r.path
        assert "kpi_analyst" not in roles, r.path


async def test_every_api_route_refuses_a_missing_token(intake) -> None:  # type: ignore[no-untyped-def]
    for r in _api_routes(intake.app):
        path = re.sub(r"\{[^}]+\}", "C-000000000000", r.path)
        for method in r.methods:
            resp = await intake.http.request(method, path)
            assert resp.status_code == 401, (method, path, resp.status_code)


@pytest.mark.parametrize("role", ["scheduler", "unit_head", "kpi_analyst"])
async def test_roles_outside_intake_cannot_read_cases(intake, role: str) -> None:  # type: ignore[no-untyped-def]
    assert (await intake.get("/api/cases/C-000000000000", role=role)).status_code == 403
