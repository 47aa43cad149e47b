"""The KPI service's edges (issue 26): the clock board of a unit head is their unit's; an empty `by` is refused
(it was a 500 with data); every route a unit-bound role may call declares its unit scope; the dashboard runs
under the security headers and keeps its token in an HttpOnly cookie the API reads for GET only, never in the
browser's storage."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.chassis.auth import UNIT_SCOPED_ROLES
from services.chassis.clock import FixedClock
from services.kpi.app import build
from services.kpi.dashboard import STATIC, TOKEN_COOKIE
from services.kpi.settings import KpiSettings
from tests.integration.kpi.test_kpi_api import feed
from tests.unit.booking.test_unit_access import _roles
from tests.unit.kpi.builders import CaseBuilder, at

HOME, OTHER = "hc-ersboda", "hc-mariehem"


@pytest.fixture
def kpi(tmp_path: Path, issuer: Any) -> Iterator[tuple[Any, TestClient]]:
    rt, app = build(KpiSettings(data_dir=tmp_path, auth_jwks_file=issuer.jwks_file),
                    clock=FixedClock(datetime(2023, 3, 7, 9, tzinfo=UTC)))
    rt.migrate()
    yield rt, TestClient(app, base_url="http://kpi.localhost")
    rt.db.dispose()


def visits_beyond_the_promise(rt: Any) -> dict[str, str]:
    """A first-line visit booked past its 7-day promise at each unit: both on tomorrow's clock board."""
    cases = {}
    for unit in (HOME, OTHER):
        c = CaseBuilder()
        c.referral(at("2023-02-27")); c.advice(at("2023-02-28"))
        c.decided(at("2023-03-01"), "primary_care")
        c.booked("A-" + unit, at("2023-03-01"), at("2023-03-12"), unit=unit)
        feed(rt, c.events)
        cases[unit] = c.case_id
    return cases


def auth(issuer: Any, role: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(role, unit=unit)}"}


def test_a_unit_heads_clock_board_holds_only_their_units_children(kpi: Any, issuer: Any) -> None:
    rt, c = kpi
    cases = visits_beyond_the_promise(rt)
    board = c.get("/api/kpi/clocks", headers=auth(issuer, "kc_head")).json()["clocks"]
    assert {x["case_id"] for x in board} == set(cases.values())  # the KC head follows the county
    mine = c.get("/api/kpi/clocks", headers=auth(issuer, "unit_head", HOME)).json()["clocks"]
    assert [x["case_id"] for x in mine] == [cases[HOME]]
    for unit, asked in ((HOME, OTHER), (None, None), (None, HOME)):
        r = c.get("/api/kpi/clocks", params={"unit": asked} if asked else {}, headers=auth(issuer, "unit_head", unit))
        assert r.status_code == 403, r.text


def test_an_empty_by_on_equal_care_is_refused_naming_the_field_not_a_500(kpi: Any, issuer: Any) -> None:
    rt, c = kpi
    visits_beyond_the_promise(rt)
    r = c.get("/api/kpi/equal-care", params={"by": "", "from": "2023-01", "to": "2023-03"},
              headers=auth(issuer, "kpi_analyst"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "by"


def test_every_route_a_unit_bound_role_may_call_declares_its_unit_scope(kpi: Any) -> None:
    rt, c = kpi
    roles = _roles(c.app)
    undeclared = [f"{m} {p}" for p, ops in c.app.openapi()["paths"].items() for m, op in ops.items()
                  if set(roles.get((m, p), ())) & set(UNIT_SCOPED_ROLES) and "x-unit-scope" not in op]
    assert undeclared == []


def test_the_dashboard_runs_under_the_security_headers(kpi: Any) -> None:
    _, c = kpi
    for path in ("/dashboard", "/dashboard/app.js", "/dashboard/charts.js"):
        r = c.get(path)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
    for script in ("app.js", "charts.js"):
        text = (STATIC / script).read_text()
        assert "sessionStorage" not in text and "localStorage" not in text and "Authorization" not in text


def test_the_dashboards_token_lives_in_an_httponly_cookie_read_for_get_only(kpi: Any, issuer: Any) -> None:
    _, c = kpi
    foreign = c.post("/dashboard/session", data={"token": issuer.token("kpi_analyst")},
                     headers={"Origin": "http://evil.localhost"}, follow_redirects=False)
    assert foreign.status_code == 403 and TOKEN_COOKIE not in foreign.headers.get("set-cookie", "")
    assert c.get("/api/kpi/figures").status_code == 401
    signed = c.post("/dashboard/session", data={"token": issuer.token("ops")},
                    headers={"Origin": "http://kpi.localhost"}, follow_redirects=False)
    cookie = signed.headers["set-cookie"]
    assert signed.status_code == 303 and cookie.startswith(f"{TOKEN_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "max-age" not in cookie.lower()
    assert c.get("/api/kpi/figures").status_code == 200  # the cookie alone, as the page's fetch sends it
    assert c.post("/ops/outbox/redrive", json={}).status_code == 401  # never a write on the cookie's say-so
    c.post("/dashboard/signout")
    assert c.get("/api/kpi/figures").status_code == 401
    bad = c.post("/dashboard/session", data={"token": issuer.token("scheduler", unit=HOME)})
    assert bad.status_code == 403
