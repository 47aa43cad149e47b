"""The case's work during the call: advice or signposting (intake), the interview and the care-level decision
(triage). Each panel is a fragment the case screen swaps in place; ids travel in the page, never by hand."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from services.workspace.backend import Refused
from services.workspace.reasons import Titles, sentence
from services.workspace.sessions import Session
from services.workspace.web import Web, redirect

LEVELS = ("primary_care", "bup", "parenting_group", "signposting", "urgent")


class Instruments:
    """Instruments are versioned data: read once per id from triage and kept."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self._by_id: dict[str, dict[str, Any]] = {}

    async def get(self, session: Session, instrument_id: str) -> dict[str, Any]:
        if instrument_id not in self._by_id:
            self._by_id[instrument_id] = await self.web.backend.get(session, "triage", f"/api/instruments/{instrument_id}")
        return self._by_id[instrument_id]

    async def scale_titles(self, session: Session) -> dict[str, dict[str, str]]:
        """Every instrument's scales by id -> {sv, en}: the guide's reasons may name any of them."""
        listed = await self.web.backend.get(session, "triage", "/api/instruments")
        forms = [await self.get(session, i["id"]) for i in listed]
        return {sc["id"]: sc["title"] for f in forms for sc in f.get("scales", [])}


async def explained(instruments: Instruments, session: Session, proposal: dict[str, Any]) -> dict[str, Any]:
    """The proposal with each fired rule's reason as a sentence in both languages (`why`)."""
    titles = await instruments.scale_titles(session)
    for fired in proposal["fired"]:
        fired["why"] = {lang: sentence(fired["because"], lang, _titles_in(titles, lang)) for lang in ("sv", "en")}
    return proposal


def _titles_in(titles: dict[str, dict[str, str]], lang: str) -> Titles:
    return lambda scale: titles.get(scale, {}).get(lang, scale)


def progress(forms: list[dict[str, Any]], answers: dict[str, dict[str, int]]) -> tuple[int, int]:
    total = sum(len(sec["items"]) for f in forms for sec in f["sections"])
    done = sum(1 for f in forms for sec in f["sections"] for item in sec["items"]
               if item["id"] in answers.get(f["id"], {}))
    return done, total


def build_work(web: Web) -> APIRouter:
    router = APIRouter()
    instruments = Instruments(web)

    async def triage_case(session: Session, case_id: str) -> dict[str, Any] | None:
        try:
            case: dict[str, Any] = await web.backend.get(session, "triage", f"/api/cases/{case_id}")
            return case
        except Refused as exc:
            if exc.status == 404:
                return None  # intake's event has not reached triage yet
            raise

    async def interview_view(request: Request, session: Session, case_id: str, iv: dict[str, Any],
                             **extra: Any) -> Response:
        forms = [await instruments.get(session, f["id"] if isinstance(f, dict) else f) for f in iv["forms"]]
        done, total = progress(forms, iv["answers"])
        return web.render(request, "_interview.html", session, case_id=case_id, iv=iv, forms=forms, done=done,
                          total=total, **extra)

    # -- advice and signposting -------------------------------------------------------------------
    @router.post("/cases/{case_id}/advice")
    async def advice(request: Request, case_id: str, topics: list[str] = Form([])) -> Response:
        session = web.session(request)
        try:
            await web.backend.post(session, "intake", f"/api/cases/{case_id}/advice", json={"topic_codes": topics})
        except Refused as exc:
            return web.render(request, "_advice.html", session, case_id=case_id, topics=topics,
                              errors={("topics" if f.startswith("topic_codes") else "advice"): m
                                      for f, m in web.errors_text(session, exc).items()}, done=False)
        return web.render(request, "_advice.html", session, case_id=case_id, topics=topics, errors={}, done=True)

    @router.post("/cases/{case_id}/signposting")
    async def signpost(request: Request, case_id: str, destination: str = Form(""),
                       reason: str = Form("outside_healthcare")) -> Response:
        session = web.session(request)
        try:
            await web.backend.post(session, "intake", f"/api/cases/{case_id}/signposting",
                                   json={"destination": destination, "reason": reason})
        except Refused as exc:
            return web.render(request, "_advice.html", session, case_id=case_id,
                              errors={("destination" if f in ("destination", "form") else f): m
                                      for f, m in web.errors_text(session, exc).items()}, done=False)
        return redirect(request, f"/cases/{case_id}")

    # -- the interview ------------------------------------------------------------------------------
    @router.get("/cases/{case_id}/interview")
    async def interview_panel(request: Request, case_id: str) -> Response:
        session = web.session(request)
        try:
            tc = await triage_case(session, case_id)
        except Refused as exc:
            return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
        if tc is None:
            return web.render(request, "_interview_wait.html", session, case_id=case_id)
        if tc["interview"] is None or session.staff.role != "clinician":
            return web.render(request, "_interview_start.html", session, case_id=case_id, tc=tc)
        iv = await web.backend.get(session, "triage", f"/api/interviews/{tc['interview']['interview_id']}")
        if iv["completed_at"]:
            return await result_view(request, session, case_id, iv)
        return await interview_view(request, session, case_id, iv)

    @router.post("/cases/{case_id}/interview")
    async def start_interview(request: Request, case_id: str) -> Response:
        session = web.session(request)
        try:
            iv = await web.backend.post(session, "triage", f"/api/cases/{case_id}/interview")
        except Refused as exc:
            return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
        return await interview_view(request, session, case_id, iv)

    @router.put("/interviews/{interview_id}/answers")
    async def save_answer(request: Request, interview_id: str, form: str = Form(...), item: str = Form(...),
                          value: int = Form(...), case_id: str = Form(...)) -> Response:
        session = web.session(request)
        try:
            saved = await web.backend.json(session, "triage", "PUT", f"/api/interviews/{interview_id}/answers",
                                           json={"answers": [{"form": form, "item": item, "value": value}]})
        except Refused as exc:
            return web.render(request, "_saved.html", session, error=web.errors_text(session, exc))
        iv = await web.backend.get(session, "triage", f"/api/interviews/{interview_id}")
        forms = [await instruments.get(session, f["id"] if isinstance(f, dict) else f) for f in iv["forms"]]
        done, total = progress(forms, iv["answers"])
        asked = next((i for f in forms if f["id"] == form for sec in f["sections"] for i in sec["items"]
                      if i["id"] == item), None)
        return web.render(request, "_saved.html", session, error=None, done=done, total=total, case_id=case_id,
                          escalated=saved.get("risk_escalated") or [], item=asked, value=value)

    @router.get("/cases/{case_id}/alerted")
    async def alerted(request: Request, case_id: str) -> Response:
        """Who the risk alert went to, as the notifications service recorded it (staff refs, never names)."""
        session = web.session(request)
        history = []
        try:
            history = await web.backend.get(session, "notifications", f"/api/cases/{case_id}/notifications")
        except Refused:
            pass
        alerts = [h for h in history if h["template"] == "risk_escalated"]
        return web.render(request, "_alerted.html", session, case_id=case_id, alerts=alerts)

    @router.post("/interviews/{interview_id}/complete")
    async def complete(request: Request, interview_id: str, case_id: str = Form(...)) -> Response:
        session = web.session(request)
        try:
            await web.backend.post(session, "triage", f"/api/interviews/{interview_id}/complete")
        except Refused as exc:
            iv = await web.backend.get(session, "triage", f"/api/interviews/{interview_id}")
            return await interview_view(request, session, case_id, iv, errors=web.errors_text(session, exc))
        iv = await web.backend.get(session, "triage", f"/api/interviews/{interview_id}")
        return await result_view(request, session, case_id, iv)

    async def result_view(request: Request, session: Session, case_id: str, iv: dict[str, Any]) -> Response:
        forms = [await instruments.get(session, f["id"] if isinstance(f, dict) else f) for f in iv["forms"]]
        titles = {s["id"]: s["title"] for f in forms for s in f.get("scales", [])}
        return web.render(request, "_result.html", session, case_id=case_id, iv=iv, titles=titles)

    # -- the care-level decision --------------------------------------------------------------------
    @router.get("/cases/{case_id}/decision")
    async def decision_panel(request: Request, case_id: str) -> Response:
        session = web.session(request)
        tc = await triage_case(session, case_id)
        if tc and tc["decision"]:
            return web.render(request, "_decided.html", session, case_id=case_id, decision=tc["decision"])
        try:
            proposal = await web.backend.get(session, "triage", f"/api/cases/{case_id}/proposal")
            proposal = await explained(instruments, session, proposal)
        except Refused as exc:
            return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
        return web.render(request, "_proposal.html", session, case_id=case_id, p=proposal, levels=LEVELS, errors={},
                          values={})

    @router.post("/cases/{case_id}/decision")
    async def decide(request: Request, case_id: str, level: str = Form(""), reason: str = Form(""),
                     override: str = Form("")) -> Response:
        session = web.session(request)
        try:
            if override:
                if not reason.strip():
                    raise Refused(422, [{"field": "reason", "code": "missing",
                                         "sv": "Skriv varför du väljer en annan nivå än vägledningen.",
                                         "en": "Write why you choose another level than the guide."}])
                decision = await web.backend.post(session, "triage", f"/api/cases/{case_id}/decision/override",
                                                  json={"level": level, "reason": reason.strip()})
            else:
                decision = await web.backend.post(session, "triage", f"/api/cases/{case_id}/decision")
        except Refused as exc:
            proposal = await explained(instruments, session,
                                       await web.backend.get(session, "triage", f"/api/cases/{case_id}/proposal"))
            return web.render(request, "_proposal.html", session, status=422, case_id=case_id, p=proposal,
                              levels=LEVELS, errors=web.errors_text(session, exc),
                              values={"level": level, "reason": reason, "override": override})
        # the booking panel (on the screens of those who book) waits for booking to hear of the decision, then offers
        follows = session.staff.role in ("call_handler", "clinician")
        return web.render(request, "_decided.html", session, case_id=case_id, decision=decision, booking_follows=follows)

    return router
