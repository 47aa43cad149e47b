"""A 1.5 MB record and then a valid event on every topic the five services consume: every consumer group
dead-letters the big one (with the reason) and applies the valid one; no partition stalls."""
from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from contracts.envelope import new_case_id
from contracts.registry import dead_letter_topic
from kontakt.broker import read_all
from tests.faults.harness import report
from tests.system.conftest import GROUPS, Five
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
SAMPLES = Path(__file__).resolve().parents[2] / "contracts" / "samples"
BIG = 1_500_000


def event(event_type: str, case_id: str | None, **payload: Any) -> dict[str, Any]:
    """A committed sample event, made new: its own event id and case, payload fields overridden."""
    doc = json.loads((SAMPLES / f"{event_type}.v1.json").read_text())
    doc.update(event_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4()), causation_id=None, case_id=case_id)
    doc["payload"].update(payload)
    return doc


def key_of(doc: dict[str, Any]) -> bytes:
    p = doc["payload"]
    return (doc["case_id"] or p.get("call_id") or p["scope"]).encode()  # the demand forecast: keyed by scope


async def send(bootstrap: str, records: list[tuple[str, dict[str, Any]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        for topic, doc in records:
            await producer.send_and_wait(topic, json.dumps(doc).encode(), key=key_of(doc))
    finally:
        await producer.stop()


def big(topic: str, doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The same event grown to 1.5 MB by a field readers ignore: readable, but more than any producer sends."""
    return topic, doc | {"event_id": str(uuid.uuid4()), "padding": "x" * BIG}


async def test_a_big_record_on_every_consumed_topic_is_dead_lettered_by_every_group_and_the_next_applied(
        five: Five) -> None:
    bootstrap = five.system.bootstrap or ""
    running = {(svc, m.group(1)) for svc in five.system.ports
               for labels in five.metric(svc, "kontakt_consumer_seconds_since_progress")
               if (m := re.search(r'group="([^"]+)"', labels))}
    assert running == {(svc, g) for g, (svc, _) in GROUPS.items()}  # every group of the five is covered here
    case = new_case_id()
    # first the case itself, so the groups that need it know the child; then what follows from it
    referral = event("ReferralReceived", case, contact=None)
    call = event("CallOffered", None, call_id=f"call-{uuid.uuid4().hex[:12]}")
    first = [("intake.cases.v1", referral), ("intake.telephony.v1", call)]
    promised = event("CallbackPromised", None, call_id=call["payload"]["call_id"])  # after the telephony poison
    decided = event("CareLevelDecided", case)
    assessed = event("InterviewAssessmentRecorded", case)
    risk = event("RiskEscalated", case)
    booked = event("AppointmentBooked", case, appointment_id=f"A-{uuid.uuid4().hex[:6].upper()}")
    deviation = event("DeviationTagged", case)
    sent = event("NotificationSent", case)
    forecast = event("DemandForecastPublished", None)
    second = [("triage.assessments.v1", decided), ("triage.assessments.v1", assessed),
              ("triage.assessments.v1", risk), ("booking.appointments.v1", booked), ("kpi.deviations.v1", deviation),
              ("notifications.deliveries.v1", sent), ("kpi.forecasts.v1", forecast)]
    valid_for = {  # group -> the valid events it applies
        "triage.cases": [referral], "booking.cases": [referral], "notifications.contacts": [referral],
        "kpi.projections": [referral, call, decided, assessed, booked, sent], "booking.decisions": [decided],
        "intake.assessments": [assessed], "notifications.risks": [risk], "notifications.bookings": [booked],
        "notifications.deviations": [deviation], "notifications.callbacks": [promised],
        "notifications.referrers": [referral, decided, booked], "notifications.checkins": [decided, booked],
        "booking.forecasts": [forecast],
        "intake.checkins": [],  # it applies check-in answers only: its poison is dead-lettered, nothing else here
    }
    started = time.monotonic()
    await send(bootstrap, [big(t, d) for t, d in first] + first + [("intake.telephony.v1", promised)])
    await wait_until(lambda: all(five.applied(GROUPS[g][0], g, {referral["event_id"]})
                                 for g in ("triage.cases", "booking.cases", "kpi.projections", "notifications.contacts")))
    await send(bootstrap, [big(t, d) for t, d in second[:1]] + [big(t, d) for t, d in second[3:]] + second)

    def all_applied() -> bool:
        return all(five.applied(GROUPS[g][0], g, {e["event_id"] for e in evs}) == {e["event_id"]: 1 for e in evs}
                   for g, evs in valid_for.items())

    await wait_until(all_applied, timeout=90)
    seconds = time.monotonic() - started

    figures: dict[str, str] = {}
    for group, (service, topics) in GROUPS.items():
        letters = await wait_until(lambda: (rs := asyncio.run(read_all(bootstrap, dead_letter_topic(group))))
                                   and len(rs) >= len(topics) and rs, timeout=30)
        assert len(letters) == len(topics), (group, len(letters))  # one per topic it reads: none looped
        for letter in letters:
            headers = dict(letter.headers)
            assert len(letter.value) > BIG, group  # carried whole, not truncated
            assert b"larger than the largest event" in headers["x-dlq-reason"], group
        applied = len(five.applied(service, group, {e["event_id"] for e in valid_for[group]}))
        figures[group] = f"{applied} applied/{len(letters)} dead-lettered"
        dead = five.metric(service, "kontakt_consumer_dead_lettered_total")
        assert dead.get(f'{{service="{service}",group="{group}"}}') == len(topics)
    report("poison on every consumed topic", big_record_bytes=BIG, seconds_to_apply_everything=round(seconds, 1),
           **figures)
