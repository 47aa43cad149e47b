"""The dashboard page and its script and styles: a static shell, every figure comes from the role-checked API."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from contracts.labels import labels
from services.kpi.deps import Deps

STATIC = Path(__file__).parent / "static"
FILES = {"app.js": "text/javascript", "app.css": "text/css", "charts.js": "text/javascript"}
# the words the page shows for codes: shared with the workspace and the messages (contracts/labels.yaml)
LABEL_KINDS = ("clock", "level", "channel", "deviation", "sex")

# no data is served here (so no role): the page asks for a token and calls /api/kpi with it
router = APIRouter(tags=["dashboard"])


def load_unit_names(units_file: Path) -> dict[str, str]:
    """Unit id -> name from booking's reference file (in the same image): public words, no personal data."""
    if not units_file.exists():
        return {}
    units = yaml.safe_load(units_file.read_text(encoding="utf-8")).get("units", [])
    return {str(u["unit_id"]): str(u["name"]) for u in units}


@router.get("/dashboard", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


@router.get("/dashboard/labels.json", include_in_schema=False)
def label_words(request: Request) -> dict[str, Any]:
    """Codes as [sv, en] and units by name, read by the page before anyone signs in."""
    deps: Deps = request.app.state.deps
    return {**{k: labels()[k] for k in LABEL_KINDS}, "unit": deps.unit_names}


@router.get("/dashboard/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in FILES:
        raise HTTPException(404)
    return FileResponse(STATIC / name, media_type=FILES[name])
