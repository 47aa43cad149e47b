"""The work queue in pages: the most urgent first, the next page after the last row, the whole queue's counts from
the database, a filter by channel or by risk, and an audit row for each child on the page only."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from services.chassis.tables import AuditRecord

from .helpers import edi_form, pnr

# today is 2023-03-14 (the fixture's clock); the promise is 3 days, at risk from day 2
DAYS = ["2023-03-10", "2023-03-11", "2023-03-12", "2023-03-12", "2023-03-13", "2023-03-14", "2023-03-14"]


async def _queue_of(intake) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for n, day in enumerate(DAYS):
        r = await intake.post("/api/referrals", edi_form(pnr(date(2012, 2, n + 1), 200 + n), authored=day,
                                                         external_ref=f"sr-p{n}"), role="ops")
        assert r.status_code == 201, r.text
        ids.append(r.json()["case_id"])
    return ids


async def test_pages_follow_the_queues_order_and_count_the_whole_queue(intake):  # type: ignore[no-untyped-def]
    await _queue_of(intake)
    whole = (await intake.get("/api/work-queue", role="clinician")).json()
    order = [c["case_id"] for c in whole["cases"]]
    seen, after = [], None
    while True:
        r = await intake.get("/api/work-queue?limit=3" + (f"&after={after}" if after else ""), role="clinician")
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["cases"]) <= 3
        seen += [c["case_id"] for c in page["cases"]]
        assert (page["waiting"], page["at_risk"], page["broken"]) == (7, 4, 1)  # the whole queue's, on every page
        after = page["next"]
        if after is None:
            break
    assert seen == order and len(order) == 7
    assert whole["by_channel"] == {"edi": {"waiting": 7, "at_risk": 4, "broken": 1}}
    # the counts agree with each row's own flags
    assert sum(c["at_risk"] for c in whole["cases"]) == 4 and sum(c["promise_broken"] for c in whole["cases"]) == 1


async def test_a_page_audits_only_the_children_on_it(intake):  # type: ignore[no-untyped-def]
    await _queue_of(intake)
    page = (await intake.get("/api/work-queue?limit=2", role="clinician")).json()
    with Session(intake.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(col(AuditRecord.action) == "read-work-queue")).all()
    assert sorted(a.case_id or "" for a in rows) == sorted(c["case_id"] for c in page["cases"])
    assert {a.patient_ref for a in rows} == {c["patient_ref"] for c in page["cases"]}


async def test_the_queue_filters_by_risk_and_by_channel(intake):  # type: ignore[no-untyped-def]
    await _queue_of(intake)
    risky = (await intake.get("/api/work-queue?which=at_risk", role="clinician")).json()["cases"]
    assert len(risky) == 4 and all(c["at_risk"] for c in risky)
    broken = (await intake.get("/api/work-queue?which=broken", role="clinician")).json()["cases"]
    assert [c["promise_broken"] for c in broken] == [True]
    assert (await intake.get("/api/work-queue?channel=phone", role="clinician")).json()["cases"] == []


async def test_a_bad_page_marker_is_refused_in_both_languages(intake):  # type: ignore[no-untyped-def]
    r = await intake.get("/api/work-queue?after=bm90LWEta2V5", role="clinician")
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    error = r.json()["errors"][0]
    assert error["field"] == "after" and error["sv"] and error["en"]
    assert (await intake.get("/api/work-queue?limit=0", role="clinician")).status_code == 422


async def test_pages_cross_from_the_acute_cases_to_the_rest_in_order_on_either_database(intake_any_db):  # type: ignore[no-untyped-def]
    """Acute cases are read apart from the rest (which come from the queue's index): paging across the boundary,
    with ties on the clock, loses and repeats no case, on SQLite and on PostgreSQL."""
    from datetime import datetime

    from sqlalchemy import update

    from services.intake.store.tables import CaseRow

    ids = await _queue_of(intake_any_db)
    acute = [ids[6], ids[2], ids[5]]  # the newest, one of the tied pair, one of today's
    with Session(intake_any_db.rt.db.engine) as s:
        s.exec(update(CaseRow).where(col(CaseRow.case_id).in_(acute))
               .values(acute_risk_at=datetime.fromisoformat("2023-03-14T08:00:00+01:00")))
        s.commit()
    whole = [c["case_id"] for c in (await intake_any_db.get("/api/work-queue", role="clinician")).json()["cases"]]
    assert set(whole[:3]) == set(acute) and sorted(whole) == sorted(ids)
    for size in (1, 2, 3, 4):
        seen, after = [], None
        while True:
            r = await intake_any_db.get(f"/api/work-queue?limit={size}" + (f"&after={after}" if after else ""),
                                        role="clinician")
            assert r.status_code == 200, r.text
            seen += [c["case_id"] for c in r.json()["cases"]]
            after = r.json()["next"]
            if after is None:
                break
        assert seen == whole, size
