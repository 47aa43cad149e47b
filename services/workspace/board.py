"""The two-level-care coordinators' board: children with collaboration initiated, its questions and
interventions and the units using it, and the deviations to review; and starting a collaboration from a case."""
from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace import runway
from services.workspace.backend import Refused
from services.workspace.web import Web


def build_board(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/board")
    async def board(request: Request) -> Response:
        session = web.session(request)
        try:
            data = await web.backend.get(session, "triage", "/api/collaborations")
        except Refused as exc:
            return web.render(request, "refused.html", session, status=exc.status)
        items = data["collaborations"]
        counts = {"question": Counter(c["question"] for c in items),
                  "intervention": Counter(c["intervention"] for c in items),
                  "unit": Counter(u for c in items for u in (c["health_centre_unit"], c["bup_unit"]))}
        deviations: dict[str, Any] | None = None
        try:  # counts only, no personal data: the KPI service's quarterly view per unit
            deviations = await web.backend.get(session, "kpi", "/api/kpi/figures/deviations",
                                               params={"grain": "quarter", "by": "unit"})
        except Refused:
            deviations = None
        try:  # counts of free times per unit, no child in it
            runways: list[dict[str, Any]] | None = (await web.backend.get(session, "booking", "/api/runway"))["units"]
        except Refused:
            runways = None
        return web.render(request, "board.html", session, items=items, counts=counts, deviations=deviations,
                          **runway.context(runways, session.lang))

    @router.get("/cases/{case_id}/collaboration")
    async def collaboration_form(request: Request, case_id: str) -> Response:
        session = web.session(request)
        return await _form(request, session, case_id, {}, {})

    async def _form(request: Request, session: Any, case_id: str, values: dict[str, str],
                    errors: dict[str, str], done: bool = False, status: int = 200) -> Response:
        try:
            options = await web.backend.get(session, "triage", "/api/collaborations", params={"since_days": 1})
            units = await web.backend.get(session, "booking", "/api/units")
        except Refused as exc:
            return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
        first_line = [u for u in units if u.get("level") == "first_line"]
        bup = [u for u in units if u["unit_id"] in options["bup_units"]]
        return web.render(request, "_collaboration.html", session, status=status, case_id=case_id, options=options,
                          first_line=first_line, bup=bup, values=values, errors=errors, done=done)

    @router.post("/cases/{case_id}/collaboration")
    async def collaborate(request: Request, case_id: str, question: str = Form(""), intervention: str = Form(""),
                          health_centre_unit: str = Form(""), bup_unit: str = Form("")) -> Response:
        session = web.session(request)
        values = {"question": question, "intervention": intervention, "health_centre_unit": health_centre_unit,
                  "bup_unit": bup_unit}
        try:
            await web.backend.post(session, "triage", f"/api/cases/{case_id}/collaborations", json=values)
        except Refused as exc:
            return await _form(request, session, case_id, values, web.errors_text(session, exc), status=422)
        return await _form(request, session, case_id, values, {}, done=True)

    return router
