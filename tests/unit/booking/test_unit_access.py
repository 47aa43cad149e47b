"""Access by unit: every booking route a scheduler or unit head may call either checks the token's unit (a
token for another unit gets 403, its own unit does not) or is declared county-wide. The routes are walked
from the OpenAPI document, so a new route without a declaration fails here."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.routing import APIRoute

from services.chassis.auth import CROSS_UNIT_ROLES, ROLES, UNIT_SCOPED_ROLES

HOME, OTHER = "hc-teg", "hc-mariehem"
CSV = b"starts_at,duration_min,profession\n2026-03-20T09:00:00+01:00,45,psychologist\n"
# a body for each unit-bound route that takes one; a new route without a sample fails the walk below
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/units/{unit_id}/slots"): {"json": {"starts_at": "2026-03-20T10:00:00+01:00", "profession": "psychologist"}},
    ("post", "/api/units/{unit_id}/slots/import"): {"files": {"calendar": ("times.csv", CSV, "text/csv")}},
    ("post", "/api/appointments/{appointment_id}/cancel"): {"json": {"by": "unit", "reason": "unit_closed"}},
    ("post", "/api/groups"): {"json": {"course_kind": "parenting_3_12", "unit_id": HOME, "starts_on": "2026-04-01"}},
    ("post", "/api/groups/{group_id}/seats/{case_id}/evaluation"): {"json": {
        "satisfaction": "nojd", "recommend": "sannolikt", "easier_everyday": "nej", "exchange": "bra_givande"}},
    ("get", "/api/waiting-list"): {"params": {"unit_id": HOME}},
    ("post", "/api/bup/cases/{case_id}/stages/{stage}/decided"): {"json": {
        "unit_id": HOME, "decided_at": "2026-03-06T14:00:00+01:00"}},
    ("post", "/api/bup/cases/{case_id}/stages/{stage}/excluded"): {"json": {
        "unit_id": HOME, "code": "pvv", "at": "2026-03-06T14:00:00+01:00"}},
    ("post", "/api/bup/cases/{case_id}/stages/{stage}/started"): {"json": {
        "unit_id": HOME, "started_at": "2026-03-06T14:00:00+01:00"}},
}


def _routes(routes: list[Any], prefix: str = "") -> list[tuple[str, APIRoute]]:
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append((r.path if r.path.startswith(prefix) else prefix + r.path, r))
        elif hasattr(r, "original_router"):  # FastAPI's wrapper of an included router
            out += _routes(r.original_router.routes, prefix + (getattr(r, "prefix", "") or ""))
    return out


def _roles(app: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    """The roles each route's `require(...)` declares, by (method, path) as the OpenAPI document names them."""
    out = {}
    for path, r in _routes(app.routes):
        stack, roles = list(r.dependant.dependencies), ()
        while stack and not roles:
            dep = stack.pop()
            roles = tuple(getattr(dep.call, "roles", ()) or ())
            stack.extend(dep.dependencies)
        for m in r.methods:
            out[m.lower(), path] = roles
    return out


def _world(booking: Any) -> dict[str, str]:
    """A case booked at HOME, seated in a HOME group, and on nobody's list: something to act on."""
    booking.case("C-UNITACCESS01")
    slot = booking.slot(HOME, 2)
    appt = booking.book("C-UNITACCESS01", slot["slot_id"]).json()
    group = booking.call("POST", "/api/groups", "scheduler", unit=HOME, json={
        "course_kind": "parenting_3_12", "unit_id": HOME, "starts_on": "2026-03-20"}).json()
    seat = booking.call("POST", f"/api/groups/{group['group_id']}/seats", json={"case_id": "C-UNITACCESS01"})
    assert seat.status_code == 201, seat.text
    return {"unit_id": HOME, "appointment_id": appt["appointment_id"], "group_id": group["group_id"],
            "case_id": "C-UNITACCESS01", "stage": "treatment"}


def test_every_unit_bound_route_refuses_a_token_for_another_unit(booking) -> None:  # type: ignore[no-untyped-def]
    assert set(UNIT_SCOPED_ROLES) | set(CROSS_UNIT_ROLES) == set(ROLES)
    values = _world(booking)
    roles = _roles(booking.app)
    doc = booking.app.openapi()
    walked, undeclared, leaks, county = [], [], [], []
    checks: list[tuple[str, str, str, dict[str, Any]]] = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            unit_roles = [r for r in roles.get((method, path), ()) if r in UNIT_SCOPED_ROLES]
            if not unit_roles:
                continue  # contact-centre and county roles only: cross-unit by role
            scope = op.get("x-unit-scope")
            if scope == "county-wide":
                county.append(f"{method.upper()} {path}: {op['x-unit-scope-reason']}")
                continue
            if scope != "own-unit":
                undeclared.append(f"{method.upper()} {path}")
                continue
            needs_body = "requestBody" in op or any(p["in"] == "query" and p.get("required")
                                                    for p in op.get("parameters", []))
            if needs_body and (method, path) not in BODIES:
                undeclared.append(f"{method.upper()} {path} (no sample body in this test)")
                continue
            url = path.format(**values)
            for role in unit_roles:
                checks.append((role, method, url, BODIES.get((method, path), {})))
    assert undeclared == [], f"declare x-unit-scope (OWN_UNIT or county_wide) and add a sample: {undeclared}"
    for role, method, url, kw in checks:  # another unit's token first: nothing may change
        r = _call(booking, method, url, role, OTHER, kw)
        walked.append(f"{role} {method.upper()} {url} -> {r.status_code}")
        if r.status_code != 403:
            leaks.append(walked[-1] + " " + r.text[:200])
    for role, method, url, kw in checks:  # the own unit is let through (whatever the domain then says)
        r = _call(booking, method, url, role, HOME, kw)
        if r.status_code in (401, 403):
            leaks.append(f"own unit refused: {role} {method.upper()} {url} -> {r.status_code} {r.text[:200]}")
    print(f"\n[unit-access] unit-bound calls={len(checks)} refused for another unit={len(checks) - len(leaks)} "
          f"county-wide by declaration={len(county)}: {county}")
    assert leaks == [] and len(checks) >= 10


def _call(booking: Any, method: str, url: str, role: str, unit: str, kw: dict[str, Any]) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=booking.app), base_url="http://b") as c:
            token = booking.issuer.token(role, unit=unit)
            return await c.request(method.upper(), url, headers={"Authorization": f"Bearer {token}"}, **kw)
    return asyncio.run(go())


def test_the_reported_cross_unit_acts_are_refused(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-UNITACCESS02")
    appt = booking.book("C-UNITACCESS02", booking.slot("hc-vannas", 2)["slot_id"]).json()
    slot = booking.call("POST", "/api/units/bup-umea/slots", "scheduler", unit="hc-mariehem",
                        json={"starts_at": "2026-03-20T10:00:00+01:00", "profession": "psychologist"})
    cancel = booking.call("POST", f"/api/appointments/{appt['appointment_id']}/cancel", "unit_head",
                          unit="hc-mariehem", json={"by": "unit"})
    assert slot.status_code == 403 and cancel.status_code == 403
    assert "hc-mariehem" in cancel.text and "hc-vannas" in cancel.text
    kc = booking.call("POST", f"/api/appointments/{appt['appointment_id']}/cancel", "clinician", json={"by": "family"})
    assert kc.status_code == 200  # the contact centre acts across units by role
