"""The workspace without the services behind it: sign-in, the session cookie, roles, headers, assets, and
what a person sees when a service is away or answers in any of the error shapes the services use."""
from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from services.workspace.app import build
from services.workspace.backend import errors_of
from services.workspace.events import _wanted
from services.workspace.settings import WorkspaceSettings


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket closes


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    gone = f"http://127.0.0.1:{closed_port()}"
    settings = WorkspaceSettings(data_dir=tmp_path, local_signin=True, intake_url=gone, triage_url=gone,
                                 booking_url=gone, notifications_url=gone, kpi_url=gone, upstream_timeout_s=2)
    return build(settings)[1]


def client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws")


@asynccontextmanager
async def signed_in(app, role: str, unit: str = "") -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        r = await c.post("/signin", data={"role": role, "unit": unit, "lang": "sv"})
        assert r.status_code == 303, r.text
        yield c


async def test_sign_in_keeps_the_token_on_the_server_behind_a_strict_httponly_cookie(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        r = await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    cookie = r.headers["set-cookie"]
    assert "evi_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "eyJ" not in cookie  # an opaque id, not the JWT


async def test_without_a_session_every_page_sends_the_person_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        r = await c.get("/queue")
        assert r.status_code == 303 and r.headers["location"] == "/signin"
        r = await c.get("/queue/cases", headers={"HX-Request": "true"})  # a fragment: htmx moves the whole page
        assert r.status_code == 204 and r.headers["HX-Redirect"] == "/signin"
        assert (await c.get("/events")).status_code == 303


async def test_an_unknown_role_is_refused_at_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        r = await c.post("/signin", data={"role": "superuser", "unit": "", "lang": "sv"})
    assert r.status_code == 422 and "Välj en roll i listan." in r.text and "set-cookie" not in r.headers


async def test_sign_in_page_is_only_an_oidc_note_when_local_sign_in_is_off(tmp_path: Path) -> None:
    app = build(WorkspaceSettings(data_dir=tmp_path, local_signin=False))[1]
    async with client(app) as c:
        page = await c.get("/signin")
        assert "identitetstjänst" in page.text and "<select" not in page.text
        r = await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
    assert r.status_code == 422 and "set-cookie" not in r.headers


async def test_a_kpi_analyst_gets_403_on_pages_with_personal_data(app) -> None:  # type: ignore[no-untyped-def]
    async with signed_in(app, "kpi_analyst") as c:
        assert (await c.get("/no-personal-data")).status_code == 200
        for path in ("/queue", "/queue/cases", "/queue/calls", "/cases/C-000000000001", "/unit", "/board",
                     "/meeting", "/referrals/paper", "/cases/C-000000000001/booking"):
            r = await c.get(path)
            assert r.status_code == 403, path
            assert "Din roll ser inga personuppgifter" in r.text


async def test_a_service_that_does_not_answer_is_said_plainly_not_a_500(app) -> None:  # type: ignore[no-untyped-def]
    async with signed_in(app, "clinician") as c:
        r = await c.get("/queue/cases")
    assert r.status_code == 200 and "Tjänsten intake svarar inte just nu" in r.text


async def test_pages_run_under_a_strict_csp_and_are_not_cached(app) -> None:  # type: ignore[no-untyped-def]
    async with signed_in(app, "clinician") as c:
        r = await c.get("/queue")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["cache-control"] == "no-store"
    assert 'src="/vendor/htmx.min.js"' in r.text and "http" not in r.text.split("<body")[0].replace("http-equiv", "")


async def test_htmx_is_served_from_the_local_npm_install_and_nothing_else_is(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        js = await c.get("/vendor/htmx.min.js")
        assert js.status_code == 200 and b"htmx" in js.content[:2000]
        assert (await c.get("/vendor/sse.js")).status_code == 200
        assert (await c.get("/vendor/..%2Fpackage.json")).status_code == 404
        assert (await c.get("/health/ready")).status_code == 200


async def test_not_ready_while_the_browser_assets_are_missing(tmp_path: Path) -> None:
    app = build(WorkspaceSettings(data_dir=tmp_path, vendor_dir=tmp_path / "nothing"))[1]
    async with client(app) as c:
        r = await c.get("/health/ready")
    assert r.status_code == 503 and "htmx.min.js" in r.json()["missing_assets"]


async def test_the_language_switch_changes_the_pages_and_stays_in_the_session(app) -> None:  # type: ignore[no-untyped-def]
    async with signed_in(app, "scheduler", unit="hc-teg") as c:
        r = await c.post("/lang", headers={"referer": "http://ws/no-personal-data"})
        assert r.status_code == 303
        page = await c.get("/meeting")
    assert '<html lang="en">' in page.text and "Sign out" in page.text


def test_field_errors_are_read_from_every_error_shape_the_services_use() -> None:
    ours = httpx.Response(422, json={"errors": [{"field": "child.identity_number", "code": "checksum",
                                                  "sv": "Kontrollsiffran stämmer inte.", "en": "Checksum."}]})
    assert errors_of(ours)[0]["field"] == "child.identity_number"
    problem = httpx.Response(422, headers={"content-type": "application/problem+json"}, json={
        "type": "about:blank", "title": "Unprocessable", "status": 422,
        "errors": [{"field": "reason", "code": "missing", "sv": "Skäl saknas.", "en": "Reason missing."}]})
    assert errors_of(problem)[0]["sv"] == "Skäl saknas."
    fastapi = httpx.Response(401, json={"detail": {"sv": "Inloggningen har gått ut.", "en": "Token expired."}})
    assert errors_of(fastapi)[0]["sv"] == "Inloggningen har gått ut."
    assert errors_of(httpx.Response(403, text=""))[0]["code"] == "forbidden"
    assert "fel 502" in errors_of(httpx.Response(502, text="<html>bad gateway</html>"))[0]["sv"]


def test_the_event_relay_keeps_only_the_pages_case() -> None:
    assert _wanted('{"case_id": "C-A", "kind": "AppointmentBooked"}', "C-A")
    assert not _wanted('{"case_id": "C-B"}', "C-A")
    assert not _wanted("not json", "C-A")
    assert _wanted('{"case_id": "C-B"}', None)
