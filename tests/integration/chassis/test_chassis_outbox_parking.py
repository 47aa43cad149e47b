"""No head-of-line blocking in the outbox: an event the broker can never take is refused before it is stored,
and a row the broker refuses for good is parked while every other case flows; its own case waits behind it
in order until ops re-drive it after a fix."""
from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import Session, func, select

from services.chassis.tables import OutboxRow
from tests.faults.harness import report
from tests.integration.chassis.conftest import applied, closed
from tests.probe_service import build
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


def _outbox(rt) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        return list(s.exec(select(OutboxRow).order_by(OutboxRow.id)).all())


def _padded_row(ev, size: int) -> OutboxRow:  # type: ignore[no-untyped-def]
    """A valid event grown past the producer's limit by a field consumers ignore, stored as a row written
    before the limit was lowered would be (the write-time guard is bypassed on purpose)."""
    from services.chassis.outbox_rows import outbox_row

    row = outbox_row(ev)
    doc = json.loads(row.payload)
    doc["padding"] = "x" * size
    row.payload = json.dumps(doc).encode()
    return row


async def test_request_that_would_create_an_event_too_large_for_the_broker_is_refused_413_naming_the_field(
        probe_settings, issuer) -> None:  # type: ignore[no-untyped-def]
    rt = build(probe_settings(kafka_max_message_bytes=400))  # a CaseClosed event is about 1 kB with its headers
    rt.migrate()
    token = issuer.token("call_handler")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=rt.app), base_url="http://p") as c:
        r = await c.post("/close", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 413, r.text
    (error,) = r.json()["errors"]
    assert error["code"] == "too_large" and error["field"] == "event_id"  # the largest field of a CaseClosed
    assert "byte" in error["sv"] and "bytes" in error["en"] and str(400) in error["en"]
    assert _outbox(rt) == []  # nothing stored: the unit of work rolled back
    report("outbox guard", status=r.status_code, field=error["field"], outbox_rows=0)


async def test_row_the_broker_refuses_for_good_is_parked_other_cases_flow_and_its_case_waits_until_redriven(
        probe_settings, issuer) -> None:  # type: ignore[no-untyped-def]
    # the producer takes 200 kB + framing; the poisoned row is 400 kB (MessageSizeTooLargeError)
    first = build(probe_settings(kafka_max_message_bytes=200_000))
    stuck, behind = closed(), None
    others = [closed() for _ in range(5)]
    async with first.lifespan(first.app):
        with first.db.uow() as uow:
            uow.session.add(_padded_row(stuck, 400_000))
            behind = closed(stuck.case_id)  # the same case, after the refused one: must wait
            uow.publish(behind, *others)
            uow.commit()
        # every other case reaches the consumer although the head of the outbox can never be sent
        await wait_until(lambda: all(applied(first, ev.case_id) == 1 for ev in others))  # type: ignore[arg-type]
        rows = {r.event_id: r for r in _outbox(first)}
        parked = rows[str(stuck.event_id)]
        assert parked.parked_at is not None and parked.sent_at is None
        assert "MessageSizeTooLarge" in (parked.parked_reason or "")
        assert rows[str(behind.event_id)].sent_at is None and rows[str(behind.event_id)].parked_at is None
        assert applied(first, stuck.case_id) == 0  # type: ignore[arg-type]
        assert first.relay.parked == 1
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first.app), base_url="http://p") as c:
            listed = (await c.get("/ops/outbox/parked",
                                  headers={"Authorization": f"Bearer {issuer.token('ops')}"})).json()["parked"]
            refused = await c.get("/ops/outbox/parked",
                                  headers={"Authorization": f"Bearer {issuer.token('clinician')}"})
            health = await c.get("/health/pipeline")
            ready = await c.get("/health/ready")
            metrics = (await c.get("/metrics")).text
        assert [p["event_id"] for p in listed] == [str(stuck.event_id)] and listed[0]["bytes"] > 400_000
        assert refused.status_code == 403
        # health tells the truth: the service serves (ready) but its pipeline is degraded, with the reason
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert any(r.startswith("outbox_parked: 1") for r in health.json()["reasons"])
        assert ready.status_code == 200 and ready.json()["pipeline"] == "degraded"
        assert 'kontakt_outbox_parked{service="intake"} 1' in metrics
        assert 'kontakt_outbox_parked_total{service="intake"} 1' in metrics

    # the fix: the limit is raised (a new deploy); ops re-drive the parked row and the case catches up in order
    fixed = build(probe_settings(kafka_max_message_bytes=600_000))
    async with fixed.lifespan(fixed.app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fixed.app), base_url="http://p") as c:
            r = await c.post("/ops/outbox/redrive", json={},
                             headers={"Authorization": f"Bearer {issuer.token('ops')}"})
        assert r.json() == {"redriven": 1}
        await wait_until(lambda: applied(fixed, stuck.case_id) == 2)  # type: ignore[arg-type]
        with Session(fixed.db.engine) as s:
            assert s.exec(select(func.count()).select_from(OutboxRow)
                          .where(OutboxRow.sent_at.is_(None))).one() == 0  # type: ignore[union-attr]
        sent = {r.event_id: r.sent_at for r in _outbox(fixed)}
        assert sent[str(stuck.event_id)] <= sent[str(behind.event_id)]  # type: ignore[operator]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fixed.app), base_url="http://p") as c:
            flowing = await c.get("/health/pipeline")
        assert flowing.status_code == 200, flowing.text
    report("outbox parking", other_cases_applied=len(others), parked=1, waited_behind_it=1, redriven=1,
           stuck_case_applied=2)
