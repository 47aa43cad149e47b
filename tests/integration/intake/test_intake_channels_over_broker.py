"""Each way in over the real broker: the events reach intake's topics with the right clock start."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session, func, select

from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC
from contracts.registry import parse_event
from contracts.triage import (
    InterviewAssessmentRecorded,
    MedicalAssessmentRecordedByTriagePayload,
)
from kontakt.broker import read_all
from services.chassis.clock import STOCKHOLM, FixedClock
from services.chassis.tables import OutboxRow
from services.intake.app import build
from services.intake.settings import IntakeSettings
from services.intake.store.tables import CaseRow
from tests.unit.intake.helpers import PDF, bundle, edi_form, paper_form, pnr
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
NOW = datetime(2023, 3, 14, 9, 30, tzinfo=STOCKHOLM)
T_CALL = datetime(2023, 3, 14, 8, 2, tzinfo=STOCKHOLM)




async def _records(bootstrap: str, topic: str, keys: set[str]) -> list:  # type: ignore[type-arg]
    """Our events on a topic the whole test session shares (other tests put poison messages there too)."""
    return [parse_event(rec.value) for rec in await read_all(bootstrap, topic)
            if rec.key is not None and rec.key.decode() in keys]


async def test_every_channel_reaches_the_topics_with_its_clock_start(kafka_bootstrap: str, tmp_path: Path, issuer,
                                                                     unique: str) -> None:  # type: ignore[no-untyped-def]
    settings = IntakeSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path,
                              auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-")
    rt, app = build(settings, clock=FixedClock(NOW))
    ops = {"Authorization": f"Bearer {issuer.token('ops')}"}
    staff = {"Authorization": f"Bearer {issuer.token('call_handler')}"}
    call_id = f"call-{unique}"
    async with rt.lifespan(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as c:
            for step, at in (("CallAnswered", T_CALL + timedelta(minutes=3)), ("CallOffered", T_CALL),
                             ("CallOffered", T_CALL)):  # out of order, and one platform retry
                r = await c.post("/api/telephony/events", headers=ops,
                                 json={"call_id": call_id, "line": "public_1177", "step": step, "at": at.isoformat()})
                assert r.status_code in (200, 201), r.text
            phone = await c.post("/api/cases/from-call", headers=staff, json={
                "call_id": call_id, "source": "young_person",
                "child": {"identity_number": pnr(date(2008, 4, 2), 101), "municipality": "Umeå"}})
            edi = await c.post("/api/referrals", headers=ops, json=edi_form(
                pnr(date(2012, 5, 17), 238), authored="2023-03-10", external_ref=f"sr-{unique}"))
            fhir = await c.post("/api/referrals/fhir", headers=ops, json=bundle(
                pnr(date(2013, 6, 1), 240), sr_id=f"fhir-{unique}"))
            paper = await c.post("/api/referrals/paper", headers=staff,
                                 files={"scan": ("r.pdf", PDF, "application/pdf")},
                                 data={"referral": json.dumps(paper_form(pnr(date(2014, 7, 8), 242)))})
            partner = await c.post("/api/referrals", headers=staff, json=edi_form(
                pnr(date(2015, 8, 9), 244), authored="2023-03-13", channel="partner", source="social_services",
                external_ref=None))
            for r in (phone, edi, fhir, paper, partner):
                assert r.status_code == 201, r.text

            def all_sent() -> bool:
                with Session(rt.db.engine) as s:
                    return s.exec(select(func.count()).select_from(OutboxRow)
                                  .where(OutboxRow.sent_at.is_(None))).one() == 0  # type: ignore[union-attr]
            await wait_until(all_sent)

            ours = {r.json()["case_id"]: name for name, r in
                    (("phone", phone), ("edi", edi), ("fhir", fhir), ("paper", paper), ("partner", partner))}
            cases = await _records(kafka_bootstrap, CASES_TOPIC, set(ours))
            starts = {ours[e.case_id]: e.payload.clock_start for e in cases
                      if e.case_id in ours and e.event_type == "ReferralReceived"}
            assert starts == {
                "phone": T_CALL, "edi": datetime(2023, 3, 10, tzinfo=STOCKHOLM),
                "fhir": datetime(2023, 3, 9, 14, 20, tzinfo=STOCKHOLM),
                "paper": datetime(2023, 3, 6, tzinfo=STOCKHOLM),  # the date written, not digitised or arrived
                "partner": datetime(2023, 3, 13, tzinfo=STOCKHOLM)}
            digitised = [e for e in cases if e.case_id == paper.json()["case_id"]
                         and e.event_type == "PaperReferralDigitised"]
            assert [(d.payload.date_written, d.payload.date_arrived) for d in digitised] == [
                (date(2023, 3, 6), date(2023, 3, 13))]

            calls = await _records(kafka_bootstrap, TELEPHONY_TOPIC, {call_id})
            mine = sorted((e.event_type, e.payload.at) for e in calls)
            assert mine == [("CallAnswered", T_CALL + timedelta(minutes=3)), ("CallOffered", T_CALL)]

            # triage's interview assessment takes the case off intake's queue of cases awaiting assessment
            case_id = edi.json()["case_id"]
            assessed = InterviewAssessmentRecorded.new(
                case_id=case_id, occurred_at=NOW, recorded_at=NOW,
                payload=MedicalAssessmentRecordedByTriagePayload(assessed_at=NOW, kind="interview",
                                                                 by_role="clinician", by_staff_ref="S-1",
                                                                 licensed=True))
            producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(assessed.TOPIC, assessed.model_dump_json().encode(),
                                             key=case_id.encode())
            finally:
                await producer.stop()

            def is_assessed() -> bool:
                with Session(rt.db.engine) as s:
                    return s.get(CaseRow, case_id).assessed_at is not None  # type: ignore[union-attr]
            await wait_until(is_assessed)
            queue = (await c.get("/api/work-queue", headers=staff)).json()["cases"]
            assert case_id not in [q["case_id"] for q in queue] and fhir.json()["case_id"] in [
                q["case_id"] for q in queue]
