"""Triage on the real broker: intake's ReferralReceived in -> interview -> InterviewCompleted and CareLevelDecided out."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts.registry import parse_event
from contracts.topics import ALL_TOPICS, ASSESSMENTS_TOPIC
from kontakt.broker import create_topics, read_all
from services.chassis.clock import FixedClock
from services.triage.app import build
from services.triage.settings import TriageSettings
from tests.unit.triage.helpers import MAIN, main_answers
from tests.unit.triage.service import T0, referral

pytestmark = pytest.mark.broker


async def wait_until(predicate, timeout: float = 40.0) -> Any:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if result := await predicate():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def publish(bootstrap: str, event: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(event.TOPIC, event.model_dump_json().encode(), key=event.key.encode())
    finally:
        await producer.stop()


async def test_referral_from_intake_leads_to_interview_completed_and_care_level_decided(
        kafka_bootstrap: str, tmp_path: Path, db_url: str, issuer, unique: str) -> None:  # type: ignore[no-untyped-def]
    await create_topics(kafka_bootstrap, ALL_TOPICS)
    incoming = referral(age=15, sex="female")
    case_id = incoming.case_id
    await publish(kafka_bootstrap, incoming)
    settings = TriageSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path, database_url=db_url,
                              auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-")
    rt, app = build(settings, clock=FixedClock(T0))
    headers = {"Authorization": f"Bearer {issuer.token('clinician', subject='S-INT1')}"}
    async with rt.lifespan(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                   base_url="http://triage") as client:
        async def waiting() -> bool:
            r = await client.get("/api/cases/waiting", headers=headers)
            return case_id in [c["case_id"] for c in r.json()]

        await wait_until(waiting)
        iv = (await client.post(f"/api/cases/{case_id}/interview", headers=headers)).json()
        # a 15-year-old: the main interview plus AUDIT, DUDIT and the youth self-report
        assert [f["id"] for f in iv["forms"]] == [MAIN, "audit", "dudit", "youth-self-report"]
        answers = main_answers(low_mood=8, school=4)  # low mood T 75 for a teenage girl: BUP-2
        r = await client.put(f"/api/interviews/{iv['interview_id']}/answers", headers=headers,
                             json={"answers": [{"form": MAIN, "item": k, "value": v} for k, v in answers.items()]})
        assert r.status_code == 200, r.text
        assert (await client.post(f"/api/interviews/{iv['interview_id']}/complete", headers=headers)).status_code == 200
        r = await client.post(f"/api/cases/{case_id}/decision", headers=headers)
        assert r.json()["level"] == "bup", r.text

        async def published() -> list[Any]:
            records = await read_all(kafka_bootstrap, ASSESSMENTS_TOPIC)
            mine = [parse_event(rec.value) for rec in records if rec.key == case_id.encode()]  # type: ignore[attr-defined]
            return mine if len(mine) >= 3 else []

        events = await wait_until(published)
    by_type = {e.event_type: e for e in events}
    assert list(by_type) == ["InterviewCompleted", "InterviewAssessmentRecorded", "CareLevelDecided"]
    assert by_type["CareLevelDecided"].payload.reasons[0].rule_id == "BUP-2"
    # the journey's correlation id carries from intake's referral onto triage's events
    assert {e.correlation_id for e in events} == {incoming.correlation_id}
