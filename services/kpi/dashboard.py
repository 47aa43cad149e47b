"""The dashboard page and its script and styles: a static shell, every figure comes from the role-checked API."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from contracts.labels import labels

STATIC = Path(__file__).parent / "static"
FILES = {"app.js": "text/javascript", "app.css": "text/css", "charts.js": "text/javascript"}
# the words the page shows for codes: shared with the workspace and the messages (contracts/labels.yaml)
LABEL_KINDS = ("clock", "level", "channel", "deviation", "sex")


@cache
def words(units_file: Path) -> dict[str, Any]:
    """Codes as (sv, en) and units by name. Unit names are booking's reference data (its units file, in the
    same image); public, no personal data, so the page reads them before anyone signs in."""
    units = yaml.safe_load(units_file.read_text(encoding="utf-8")).get("units", []) if units_file.exists() else []
    return {**{k: labels()[k] for k in LABEL_KINDS}, "unit": {u["unit_id"]: u["name"] for u in units}}


def build_dashboard(units_file: Path) -> APIRouter:
    """No data is served here (so no role): the page asks for a token and calls /api/kpi with it."""
    web = APIRouter(tags=["dashboard"])

    @web.get("/dashboard", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @web.get("/dashboard/labels.json", include_in_schema=False)
    def label_words() -> dict[str, Any]:
        return words(units_file)

    @web.get("/dashboard/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in FILES:
            raise HTTPException(404)
        return FileResponse(STATIC / name, media_type=FILES[name])

    return web
