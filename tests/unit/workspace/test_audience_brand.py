"""Families and schools meet the contact centre by its name; only staff pages call themselves the workspace."""
from __future__ import annotations

import re
from pathlib import Path

import httpx

from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings


def _title_and_brand(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    brand = re.search(r'class="brand"[^>]*>(.*?)</a>', html, re.S)
    assert title and brand, html[:400]
    return title.group(1), brand.group(1).strip()


async def test_family_school_and_staff_pages_name_who_they_are_for(tmp_path: Path) -> None:
    app = build(WorkspaceSettings(data_dir=tmp_path))[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws") as c:
        seen = {}
        for page in ("/familj/signin", "/skola/signin", "/signin", "/familj/signin?lang=en"):
            r = await c.get(page)
            assert r.status_code == 200, page
            seen[page] = _title_and_brand(r.text)
    for page in ("/familj/signin", "/skola/signin"):
        title, brand = seen[page]
        assert "arbetsyta" not in title and "arbetsyta" not in brand, (page, title, brand)
        assert brand.startswith("Kontaktcenter barn och unga psykisk hälsa"), (page, brand)
    assert seen["/familj/signin?lang=en"][1] == "Child and Youth Mental Health Contact Centre"
    assert "arbetsyta" in seen["/signin"][0] and seen["/signin"][1] == "En väg in – arbetsyta"
