"""The work queue's panel shows a page of the most urgent cases with the whole queue's counts, a next page and
filters; intake audits only the children on the page shown."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from services.chassis.tables import AuditRecord
from services.workspace.queue import PAGE
from tests.unit.intake.conftest import Intake
from tests.unit.intake.helpers import edi_form, pnr
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace

ROW = re.compile(r'data-case="(C-[0-9A-Z]+)"')
NEXT = re.compile(r'hx-get="(/queue/cases\?after=[^"]+)"')


async def _referrals(intake: Intake, n: int) -> None:
    today = intake.clock.at.date()
    for i in range(n):
        day = (today - timedelta(days=i % 5)).isoformat()
        r = await intake.post("/api/referrals", edi_form(pnr(today.replace(day=1) - timedelta(days=365 * 8 + i), 100 + i),
                                                         authored=day, external_ref=f"sr-q{i}"), role="ops")
        assert r.status_code == 201, r.text


def _audited(intake: Intake) -> list[str]:
    with Session(intake.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(col(AuditRecord.action) == "read-work-queue")).all()
    return [a.case_id or "" for a in rows]


async def test_the_queue_shows_a_page_the_counts_and_the_next_page(tmp_path: Path, intake: Intake) -> None:
    await _referrals(intake, PAGE + 12)
    whole = (await intake.get("/api/work-queue", role="clinician")).json()
    app = workspace(tmp_path, intake, local_signin=True)
    async with browser_like(app) as c:
        await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
        first = (await c.get("/queue/cases", headers={"HX-Request": "true"})).text
        shown = ROW.findall(first)
        assert shown == [k["case_id"] for k in whole["cases"][:PAGE]]
        assert f"{PAGE + 12} ärenden väntar på bedömning." in first
        assert f"{whole['at_risk'] - whole['broken']} ärenden riskerar" in first
        assert f"Visar 1–{PAGE} av {PAGE + 12}" in first
        assert sorted(_audited(intake)) == sorted(shown + [k["case_id"] for k in whole["cases"]])
        follow = NEXT.search(first)
        assert follow
        second = (await c.get(html.unescape(follow.group(1)), headers={"HX-Request": "true"})).text
        assert ROW.findall(second) == [k["case_id"] for k in whole["cases"][PAGE:]]
        assert f"Visar {PAGE + 1}–{PAGE + 12} av {PAGE + 12}" in second and not NEXT.search(second)
        assert "Till början av kön" in second
        risky = (await c.get("/queue/cases?which=broken", headers={"HX-Request": "true"})).text
        assert ROW.findall(risky) == [k["case_id"] for k in whole["cases"] if k["promise_broken"]][:PAGE]
        stale = await c.get("/queue/cases?after=bm90LWEta2V5&start=51", headers={"HX-Request": "true"})
        assert stale.status_code == 200 and ROW.findall(stale.text) == shown  # a stale marker: the first page
