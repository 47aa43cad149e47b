"""A test client that writes as the workspace's own pages do: from its own origin, with the token a page carries."""
from __future__ import annotations

import re
from typing import Any

import httpx

BASE = "http://localhost"  # the local sign-in answers on loopback only
WRITES = ("POST", "PUT", "PATCH", "DELETE")
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


async def page_token(c: httpx.AsyncClient, path: str = "/signin") -> str:
    """The CSRF token of a page as the browser received it."""
    page = await c.get(path)
    found = TOKEN.search(page.text)
    assert found and found.group(1), f"no CSRF token on {path}: {page.status_code} {page.text[:200]}"
    return found.group(1)


def browser_like(app: Any, base_url: str = BASE, **kw: Any) -> httpx.AsyncClient:
    """Every write first reads a page's token (as a browser has the page it submits from) and sends its origin."""
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url, **kw)

    async def as_from_a_page(request: httpx.Request) -> None:
        if request.method not in WRITES or "x-csrf-token" in request.headers:
            return
        token = await page_token(c)
        request.headers.pop("cookie", None)  # the page may have set the pre-session cookie the token is bound to
        c.cookies.set_cookie_header(request)
        request.headers["X-CSRF-Token"] = token
        request.headers.setdefault("Origin", base_url)

    c.event_hooks["request"] = [as_from_a_page]
    return c
