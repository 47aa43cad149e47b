"""The dashboard page and its script and styles: a static shell, every figure comes from the role-checked API."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
FILES = {"app.js": "text/javascript", "app.css": "text/css", "charts.js": "text/javascript"}

# no data is served here (so no role): the page asks for a token and calls /api/kpi with it
router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


@router.get("/dashboard/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in FILES:
        raise HTTPException(404)
    return FileResponse(STATIC / name, media_type=FILES[name])
