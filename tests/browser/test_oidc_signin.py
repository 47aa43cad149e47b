"""Sign-in as production does it, in headless Chromium against a real OIDC provider (Keycloak, started once for
the session): staff, school and family sign-in through the provider's own login page with the role, unit and
school from its mapped claims; logout there too; refresh; sessions across a restart and a second process; the
services' check of the provider's tokens through a key rotation. The realm requires PKCE S256 of the workspace's
client, so every sign-in that gets through used it."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, expect
from starlette.testclient import TestClient

from kontakt.keycloak import Keycloak
from services.chassis.auth import TokenVerifier
from services.chassis.clock import FixedClock
from services.kpi.app import build as build_kpi
from services.kpi.settings import KpiSettings
from services.workspace.sessions import COOKIE
from tests.browser.conftest import TODAY
from tests.browser.oidc_support import WorkspaceProcess, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.keycloak]


@pytest.fixture(scope="module")
def workspace(keycloak: Keycloak, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceProcess]:
    ws = WorkspaceProcess(tmp_path_factory.mktemp("oidc-workspace"), keycloak).start()
    yield ws
    ws.stop()


def test_staff_sign_in_takes_role_and_unit_from_the_providers_claims(chromium: Browser,
                                                                     workspace: WorkspaceProcess) -> None:
    ctx = chromium.new_context()
    page = ctx.new_page()
    sign_in(page, workspace.url + "/signin", "scheduler.ersboda", workspace.url + "/unit")
    assert "Schemaläggare på enhet · hc-ersboda" in page.locator(".who").inner_text()
    session = workspace.session_of(ctx)
    assert session is not None and (session.staff.role, session.staff.unit) == ("scheduler", "hc-ersboda")
    cookie = next(c for c in ctx.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1  # gone with the browser
    assert "eyJ" not in page.content() and page.evaluate("() => document.cookie") == ""
    ctx.close()


def test_a_school_sender_signs_in_for_the_school_its_claim_names(chromium: Browser,
                                                                workspace: WorkspaceProcess) -> None:
    ctx = chromium.new_context()
    page = ctx.new_page()
    sign_in(page, workspace.url + "/skola/signin", "school.ersboda", workspace.url + "/skola")
    session = workspace.session_of(ctx)
    assert session is not None and (session.staff.role, session.staff.school) == ("school_sender",
                                                                                  "sk-umea-ersbodaskolan")
    page.goto(workspace.url + "/queue")  # a school sender sees no contact-centre page
    assert page.locator("h1").inner_text() != "" and "/queue" in page.url and "Samtalsmottagare" not in page.content()
    ctx.close()


@pytest.mark.parametrize(("username", "name", "as_who"), [
    ("guardian", "Eva Provförälder", "vårdnadshavare"), ("young.person", "Alex Provbarn", "för din egen del")])
def test_a_guardian_and_a_young_person_sign_in_to_the_families_page(chromium: Browser, workspace: WorkspaceProcess,
                                                                    username: str, name: str, as_who: str) -> None:
    ctx = chromium.new_context()
    page = ctx.new_page()
    sign_in(page, workspace.url + "/familj/signin", username, workspace.url + "/familj")
    assert page.locator("#who").inner_text() == f"Inloggad som {name}" and as_who in page.content()
    page.get_by_role("link", name="Kontakta oss – barn och unga psykisk hälsa").click()  # the families' form
    expect(page.get_by_text("Du skickar som vårdnadshavare." if username == "guardian"
                            else "Du skickar för dig själv.")).to_be_visible()
    assert "TESTINLOGGNING" not in page.content()  # the e-ID provider's personnummer, no stand-in
    page.goto(workspace.url + "/queue")  # staff pages are not for families
    assert page.url == workspace.url + "/familj"
    ctx.close()


def test_staff_at_the_families_door_are_turned_away(chromium: Browser, workspace: WorkspaceProcess) -> None:
    ctx = chromium.new_context()
    page = ctx.new_page()
    page.goto(workspace.url + "/familj/signin")
    page.locator("a.button.primary").click()
    page.fill("#username", "call.handler")
    page.fill("#password", "test")
    page.click("#kc-login")
    page.wait_for_url(workspace.url + "/familj/signin/callback**")
    assert "ingen roll här" in page.content() and workspace.session_of(ctx) is None
    ctx.close()


def test_sign_out_ends_the_session_here_and_at_the_provider(chromium: Browser, workspace: WorkspaceProcess) -> None:
    ctx = chromium.new_context()
    page = ctx.new_page()
    sign_in(page, workspace.url + "/signin", "kc.head", workspace.url + "/queue")
    sid = next(c["value"] for c in ctx.cookies() if c["name"] == COOKIE)
    page.locator(".who button", has_text="Logga ut").click()
    page.wait_for_url(workspace.url + "/signin")
    assert workspace.sessions().get(sid) is None
    r = httpx.get(workspace.url + "/queue", cookies={COOKIE: sid})
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    page.locator("a.button.primary").click()  # the provider asks again: its session ended too
    page.wait_for_selector("#username")
    ctx.close()


def test_the_access_token_is_refreshed_before_it_expires_and_a_refused_refresh_ends_the_session(
        chromium: Browser, keycloak: Keycloak, tmp_path: Path) -> None:
    # Keycloak's access tokens live 300 s: a margin of 300 s makes every request refresh
    ws = WorkspaceProcess(tmp_path, keycloak, WORKSPACE_OIDC_REFRESH_MARGIN_S="300").start()
    try:
        ctx = chromium.new_context()
        page = ctx.new_page()
        sign_in(page, ws.url + "/signin", "clinician", ws.url + "/queue")
        before = ws.session_of(ctx)
        page.reload()
        after = ws.session_of(ctx)
        assert before is not None and after is not None and after.sid == before.sid
        # expires_in comes in whole seconds: a refresh a moment after the sign-in may say 299 where it said 300
        assert after.token != before.token and after.expires_at >= before.expires_at - 1
        assert TokenVerifier(keycloak.issuer, "en-vag-in", jwks_url=keycloak.jwks_url).verify(after.token).role \
            == "clinician"
        keycloak.admin("POST", f"/users/{after.staff.subject}/logout")  # the provider ends the person's sessions
        page.reload()
        assert page.url == ws.url + "/signin" and ws.sessions().get(after.sid) is None
        ctx.close()
    finally:
        ws.stop()


def test_a_restart_and_a_second_workspace_process_keep_the_session(chromium: Browser, keycloak: Keycloak,
                                                                   tmp_path: Path) -> None:
    first = WorkspaceProcess(tmp_path, keycloak).start()
    second = WorkspaceProcess(tmp_path, keycloak).start()  # same database and session key, another port
    try:
        ctx = chromium.new_context()
        page = ctx.new_page()
        sign_in(page, first.url + "/signin", "clinician", first.url + "/queue")
        page.goto(second.url + "/queue")
        assert page.url == second.url + "/queue" and "Legitimerad behandlare" in page.locator(".who").inner_text()
        first.stop()
        first.start()
        page.goto(first.url + "/queue")
        assert page.url == first.url + "/queue" and "Legitimerad behandlare" in page.locator(".who").inner_text()
        ctx.close()
    finally:
        first.stop()
        second.stop()


def signed_in_token(chromium: Browser, workspace: WorkspaceProcess, username: str, lands_on: str) -> str:
    ctx = chromium.new_context()
    sign_in(ctx.new_page(), workspace.url + "/signin", username, workspace.url + lands_on)
    session = workspace.session_of(ctx)
    ctx.close()
    assert session is not None
    return session.token


def kpi_service(keycloak: Keycloak, data_dir: Path) -> TestClient:
    """The KPI service as deployed against the provider: its issuer and JWKS, the audience en-vag-in."""
    rt, app = build_kpi(KpiSettings(data_dir=data_dir, auth_issuer=keycloak.issuer, auth_jwks_url=keycloak.jwks_url),
                        clock=FixedClock(TODAY))
    rt.migrate()
    return TestClient(app, base_url="http://kpi")  # no lifespan: only the HTTP routes, as the dashboard test does


def test_services_take_the_providers_tokens_and_follow_a_key_rotation(chromium: Browser, keycloak: Keycloak,
                                                                      workspace: WorkspaceProcess,
                                                                      tmp_path: Path) -> None:
    old = signed_in_token(chromium, workspace, "kpi.analyst", "/no-personal-data")
    claims = jwt.decode(old, options={"verify_signature": False})
    assert claims["iss"] == keycloak.issuer and "en-vag-in" in claims["aud"] and claims["role"] == "kpi_analyst"
    kpi = kpi_service(keycloak, tmp_path / "kpi")
    assert kpi.get("/api/kpi/figures", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    with pytest.raises(jwt.InvalidAudienceError):
        TokenVerifier(keycloak.issuer, "another-system", jwks_url=keycloak.jwks_url).verify(old)
    watcher = TokenVerifier(keycloak.issuer, "en-vag-in", jwks_url=keycloak.jwks_url, remember_s=0, jwks_cache_s=1)
    watcher.verify(old)

    old_kid = jwt.get_unverified_header(old)["kid"]
    realm_id = keycloak.admin("GET", "").json()["id"]
    keycloak.admin("POST", "/components", json={
        "name": "rsa-rotated", "providerId": "rsa-generated", "providerType": "org.keycloak.keys.KeyProvider",
        "parentId": realm_id, "config": {"priority": ["500"], "algorithm": ["RS256"], "keySize": ["2048"],
                                         "active": ["true"], "enabled": ["true"]}})
    new = signed_in_token(chromium, workspace, "kpi.analyst", "/no-personal-data")
    assert jwt.get_unverified_header(new)["kid"] != old_kid
    # the running service fetches the key set again for the new key id (at most every 5 s): no restart needed
    deadline = time.monotonic() + 8
    while kpi.get("/api/kpi/figures", headers={"Authorization": f"Bearer {new}"}).status_code != 200:
        assert time.monotonic() < deadline, "a token signed with the new key was still refused"
        time.sleep(0.5)

    keys = keycloak.admin("GET", "/keys").json()["keys"]
    old_provider = next(k["providerId"] for k in keys if k["kid"] == old_kid)
    keycloak.admin("DELETE", f"/components/{old_provider}")
    time.sleep(1.5)  # the watcher keeps the key set 1 s (a service 300 s)
    with pytest.raises(jwt.PyJWTError):
        watcher.verify(old)
    assert watcher.verify(new).role == "kpi_analyst"
    restarted = kpi_service(keycloak, tmp_path / "kpi")  # a service started after the removal
    assert restarted.get("/api/kpi/figures", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert restarted.get("/api/kpi/figures", headers={"Authorization": f"Bearer {new}"}).status_code == 200
