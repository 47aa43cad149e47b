"""What every service's OpenAPI document tells a caller beyond FastAPI's default: roles, limits, the error shape.

Each operation gets `x-roles` (and a "Roles:" line in its description), `x-max-body-bytes` when it takes a
body, and its error answers as RFC 9457 problems: 401/403/413/422/503 named, any other 4XX by range.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from services.chassis.errors import FieldError, Problem, problem_responses
from services.chassis.limits import LIMIT_KEY

_METHODS = ("get", "put", "post", "delete", "patch")


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route with its full path, routers included (FastAPI keeps included routers as one node)."""
    return [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]


def roles_of(route: APIRoute) -> tuple[str, ...]:
    """The roles the route's `require(...)` dependency accepts (empty: no login needed)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles:
            return tuple(roles)
        stack.extend(dep.dependencies)
    return ()


def install_openapi(app: FastAPI, default_body_bytes: int, models: tuple[type[BaseModel], ...] = ()) -> None:
    """Replace `app.openapi` with one that adds roles, limits and problem answers to every operation."""
    plain: Callable[[], dict[str, Any]] = app.openapi

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = plain()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        named: tuple[type[BaseModel], ...] = (FieldError, Problem, *models)
        for model in named:
            js = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in js.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas[model.__name__] = js
        by_path = {(r.path, m.lower()): r for r in api_routes(app) for m in r.methods or ()}
        for path, item in doc.get("paths", {}).items():
            for method in _METHODS:
                op = item.get(method)
                route = by_path.get((path, method))
                if op is None or route is None:
                    continue
                extra = route.openapi_extra or {}
                if "requestBody" in extra:  # a hand-written body replaces the derived one
                    derived = op["requestBody"]["content"]
                    for media in derived.values():
                        ref = media.get("schema", {}).get("$ref", "")
                        if ref.startswith("#/components/schemas/Body_"):
                            schemas.pop(ref.rsplit("/", 1)[1], None)
                    op["requestBody"] = extra["requestBody"]
                _annotate(op, route, default_body_bytes)
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = doc
        return doc

    app.openapi = build  # type: ignore[method-assign]  # FastAPI's documented way to extend its OpenAPI document


def _annotate(op: dict[str, Any], route: APIRoute, default_body_bytes: int) -> None:
    roles = roles_of(route)
    responses = op.setdefault("responses", {})
    statuses = [503]
    if roles:
        op["x-roles"] = list(roles)
        line = f"Roles: {', '.join(roles)}."
        op["description"] = f"{op['description']}\n\n{line}" if op.get("description") else line
        statuses += [401, 403]
    if "requestBody" in op:
        op.setdefault(LIMIT_KEY, default_body_bytes)
        statuses.append(413)
    if "requestBody" in op or op.get("parameters"):
        statuses.append(422)
    responses.pop("422", None)
    for status, entry in problem_responses(*statuses).items():
        responses[str(status)] = entry
    responses["4XX"] = {**problem_responses(400)[400], "description": "Any other refusal (RFC 9457 problem details)"}
