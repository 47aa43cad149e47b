"""The sign-in pages with an OIDC provider configured (no provider running: nothing here contacts it)."""
from __future__ import annotations

from pathlib import Path

import httpx

from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings


async def test_sign_in_pages_offer_the_provider_and_only_its_origin_joins_form_action(tmp_path: Path) -> None:
    settings = WorkspaceSettings(data_dir=tmp_path, oidc_issuer="https://idp.region.example:8443/realms/staff",
                                 family_oidc_issuer="https://e-id.1177.example/oidc")
    app = build(settings)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws") as c:
        for page, start in (("/signin", "/signin/start"), ("/skola/signin", "/signin/start"),
                            ("/familj/signin", "/familj/signin/start")):
            r = await c.get(page)
            assert r.status_code == 200 and f'href="{start}"' in r.text
            assert 'name="role"' not in r.text  # no local sign-in form
        csp = r.headers["content-security-policy"]
    assert "form-action 'self' https://e-id.1177.example https://idp.region.example:8443;" in csp


async def test_without_a_provider_the_pages_offer_no_sign_in_button(tmp_path: Path) -> None:
    app = build(WorkspaceSettings(data_dir=tmp_path))[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws") as c:
        r = await c.get("/signin")
        assert "/signin/start" not in r.text and "form-action 'self';" in r.headers["content-security-policy"]
        r = await c.get("/signin/start")
        assert r.status_code == 303 and r.headers["location"] == "/signin"
