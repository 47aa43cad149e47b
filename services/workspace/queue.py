"""The work queue: answered calls to take, referrals and open cases oldest clock first, paper referrals in."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, get_args

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from contracts.common import MUNICIPALITIES, Channel
from services.chassis.clock import STOCKHOLM
from services.workspace.backend import Refused
from services.workspace.family_language import LANGUAGE_FIELDS, language_answer, language_choices
from services.workspace.web import WebDep, redirect

PAGE = 50  # cases on a page of the work queue
CHANNELS = get_args(Channel)
WHICH = ("all", "at_risk", "broken")
PAPER_SOURCES = ("school_student_health", "healthcare", "social_services", "partner_external", "other")
MAX_SCAN_BYTES = 10 * 1024 * 1024


router = APIRouter()


@router.get("/queue")
async def queue_page(request: Request, web: WebDep) -> Response:
    session = web.session(request)
    return web.render(request, "queue.html", session, test_call=web.settings.local_signin)


@router.get("/queue/cases")
async def queue_cases(request: Request, web: WebDep, channel: str = "", which: str = "all", after: str = "",
                      start: int = 1) -> Response:
    """A page of the work queue (a person reads a page, not 2,000 rows) with the whole queue's counts; the next
    page and the filters are asked for by the panel itself."""
    session = web.session(request)
    channel = channel if channel in CHANNELS else ""
    which = which if which in WHICH else "all"
    params = {"limit": PAGE, "which": which, **({"channel": channel} if channel else {}),
              **({"after": after} if after else {})}
    try:
        q = await web.backend.get(session, "intake", "/api/work-queue", params=params)
    except Refused as exc:
        if after:  # a page marker gone stale: the queue's first page instead
            return await queue_cases(request, web, channel, which)
        return web.render(request, "_refused.html", session, errors=web.errors_text(session, exc))
    for c in q["cases"]:
        c["days_left"] = q["promise_days"] - c["days_since_clock_start"]
    counts = q["by_channel"].get(channel, {}) if channel else q
    start = max(1, start) if after else 1
    return web.render(request, "_queue_cases.html", session, q=q, channel=channel, which=which, after=after,
                      start=start, shown=counts.get("waiting" if which == "all" else which, 0), page=PAGE)


@router.get("/queue/calls")
async def queue_calls(request: Request, web: WebDep) -> Response:
    session = web.session(request)
    try:
        calls = await web.backend.get(session, "intake", "/api/calls")
    except Refused:
        calls = None  # a role that takes no calls, or intake away: the panel says so
    return web.render(request, "_queue_calls.html", session, calls=calls)


@router.get("/referrals/paper")
async def paper_form(request: Request, web: WebDep) -> Response:
    session = web.session(request)
    return web.render(request, "paper.html", session, languages=await language_choices(web, session),
                      **_paper_ctx({"date_arrived": datetime.now(STOCKHOLM).date().isoformat(),
                                    "source": "school_student_health", "reasons": []}, {}))


@router.post("/referrals/paper")
async def paper_submit(request: Request, web: WebDep, scan: UploadFile | None = File(None),
                       identity_number: str = Form(""),
                       municipality: str = Form(""), source: str = Form(""), date_written: str = Form(""),
                       date_arrived: str = Form(""), phone: str = Form(""),
                       reasons: list[str] = Form([]), language: str = Form(""), interpreter_needed: str = Form(""),
                       reply_name: str = Form(""), reply_address: str = Form("")) -> Response:
    session = web.session(request)
    values: dict[str, Any] = {"identity_number": identity_number, "municipality": municipality, "source": source,
                              "date_written": date_written, "date_arrived": date_arrived, "phone": phone,
                              "reasons": reasons, "language": language, "interpreter_needed": interpreter_needed,
                              "reply_name": reply_name, "reply_address": reply_address}
    languages = await language_choices(web, session)
    data = await scan.read(MAX_SCAN_BYTES + 1) if scan is not None else b""
    errors: dict[str, str] = {}
    if scan is None or not data:
        errors["scan"] = _say(session.lang, "Välj den skannade remissen.", "Choose the scanned referral.")
    for f in ("date_written", "date_arrived"):
        if not values[f]:
            errors[f] = _say(session.lang, "Ange datumet.", "Enter the date.")
    if errors or scan is None:
        return web.render(request, "paper.html", session, status=422, languages=languages,
                          **_paper_ctx(values, errors))
    referral = {"source": source, "child": {"identity_number": identity_number, "municipality": municipality},
                "date_written": date_written, "date_arrived": date_arrived,
                "reason_codes": reasons,
                "contact": {"phone": phone, "preferred_channel": "sms"} if phone.strip() else None,
                "reply_to": {"name": reply_name.strip(), "address": reply_address.strip()}
                if reply_name.strip() or reply_address.strip() else None,
                **language_answer(language, interpreter_needed)}
    try:
        answer = await web.backend.post(session, "intake", "/api/referrals/paper",
                                        files={"scan": (scan.filename or "scan", data, scan.content_type
                                                        or "application/octet-stream")},
                                        data={"referral": json.dumps(referral)})
    except Refused as exc:
        errors = {_paper_field(f): m for f, m in web.errors_text(session, exc).items()}
        return web.render(request, "paper.html", session, status=422, languages=languages,
                          **_paper_ctx(values, errors))
    return redirect(request, f"/cases/{answer['case_id']}?opened={answer['status']}")


@router.get("/no-personal-data")
async def no_personal_data(request: Request, web: WebDep) -> Response:
    session = web.session(request, personal=False)
    kpi = web.settings.kpi_public_url or web.settings.kpi_url
    return web.render(request, "no_personal.html", session, kpi_url=f"{kpi}/dashboard")


def _say(lang: str, sv: str, en: str) -> str:
    return en if lang == "en" else sv


def _paper_field(field: str) -> str:
    """The intake service names fields by their place in its JSON form; the page by its inputs."""
    field = field.removeprefix("referral.")
    return {"child.identity_number": "identity_number", "child.municipality": "municipality",
            "contact.phone": "phone", "contact": "phone", "reason_codes": "reasons", "scan": "scan",
            "reply_to.name": "reply_name", "reply_to.address": "reply_address", "reply_to": "reply_name",
            **LANGUAGE_FIELDS}.get(
        field, field if field in ("source", "date_written", "date_arrived") else
        "date_arrived" if field in ("referral", "body") else "form")


def _paper_ctx(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, "municipalities": MUNICIPALITIES, "sources": PAPER_SOURCES}
