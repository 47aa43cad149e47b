"""The KPI service on the real broker: live projections, deviation tags, bad input, and replay equal to live."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session

from contracts.kpi import DEVIATIONS_TOPIC
from contracts.registry import EVENT_TYPES
from contracts.topics import ALL_TOPICS
from kontakt.broker import create_topics, read_all
from services.chassis.clock import FixedClock
from services.kpi.app import build
from services.kpi.replay import replay
from services.kpi.settings import KpiSettings
from services.kpi.store.queries import input_counts
from services.kpi.store.tables import CallFactsRow, CaseFactsRow
from tests.unit.kpi.builders import CaseBuilder, at, call
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def send(bootstrap: str, events: list[dict[str, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for d in events:
            key = (d["case_id"] or d["payload"]["call_id"]).encode()
            await producer.send_and_wait(EVENT_TYPES[d["event_type"]].TOPIC, json.dumps(d).encode(), key=key)
    finally:
        await producer.stop()




def facts(rt_db, case_ids: set[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with Session(rt_db.engine) as s:
        return {c: row.facts for c in case_ids if (row := s.get(CaseFactsRow, c)) is not None}


def windows(rt_db, case_ids: set[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The derived columns a figure query selects on: each case's active window, its call's day (the topics
    are shared with other tests, so only our own rows)."""
    with Session(rt_db.engine) as s:
        out: dict[str, Any] = {c: (row.first_day, row.last_day, row.unit) for c in case_ids
                               if (row := s.get(CaseFactsRow, c)) is not None}
        out.update({f"call-{c}": row.day for c in case_ids if (row := s.get(CallFactsRow, f"call-{c}")) is not None})
        return out


def scenario() -> tuple[list[CaseBuilder], list[dict[str, Any]]]:
    late, ok, orphan = CaseBuilder(), CaseBuilder(), CaseBuilder()
    late.referral(at("2023-03-01", 8), channel="paper"); late.paper("2023-02-24", "2023-03-01")
    late.advice(at("2023-03-06", 9))
    late.decided(at("2023-03-06", 10), "bup", guide="primary_care")
    late.booked("A-late", at("2023-03-06", 10), at("2023-03-09"), level="bup", unit="bup-umea")
    ok.referral(at("2023-03-02", 9)); ok.advice(at("2023-03-02", 10))
    orphan.advice(at("2023-03-03"))  # a case the KPI service never sees a referral for
    return [late, ok, orphan], call(f"call-{late.case_id}", [("CallOffered", at("2023-03-02", 8)),
                                                             ("CallAnswered", at("2023-03-02", 8, 3))])


async def test_live_projection_tags_deviations_counts_bad_input_and_equals_replay(
        kafka_bootstrap: str, tmp_path: Path, db_url: str, issuer, unique: str) -> None:  # type: ignore[no-untyped-def]
    await create_topics(kafka_bootstrap, ALL_TOPICS)
    cases, calls = scenario()
    late, ok, orphan = cases
    out_of_order = list(reversed(late.events))  # the visit and decision before the referral
    duplicate = ok.events[-1]
    newer = {**ok.events[0], "event_id": "7d4a6a3e-0000-4000-8000-000000000001", "schema_version": 99}
    await send(kafka_bootstrap, out_of_order + ok.events + [duplicate, newer] + orphan.events + calls)

    settings = KpiSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path, database_url=db_url,
                           auth_jwks_file=issuer.jwks_file, consumer_group_prefix=f"t-{unique}-",
                           clock_scan_interval_s=3600)
    rt, app = build(settings, clock=FixedClock(datetime(2023, 3, 10, 12, tzinfo=UTC)))
    mine = {late.case_id, ok.case_id, orphan.case_id}
    async with rt.lifespan(app):
        def all_applied() -> bool:  # every event of ours, whatever order they came in
            f = facts(rt.db, mine)
            return ("A-late" in f.get(late.case_id, {}).get("appts", {}) and "ref" in f.get(late.case_id, {})
                    and "assess" in f.get(ok.case_id, {}) and orphan.case_id in f)

        await wait_until(all_applied)
        await wait_until(lambda: f"call-{late.case_id}" in windows(rt.db, mine))  # the call's own topic too
        await wait_until(lambda: rt.dead_letters.reasons["NewerSchemaVersion"] >= 1)

        async def tags_of_late() -> list[dict[str, Any]]:
            return [json.loads(r.value) for r in await read_all(kafka_bootstrap, DEVIATIONS_TOPIC)
                    if r.key == late.case_id.encode()]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while len(tags := await tags_of_late()) < 3 and loop.time() < deadline:
            await asyncio.sleep(0.2)  # the outbox relay publishes after commit
        live = facts(rt.db, mine)
        live_windows = windows(rt.db, mine)
        with Session(rt.db.engine) as s:
            counts = input_counts(s)
    assert counts["unknown_case"] >= 1 and counts["out_of_order"] >= 1
    assert live[orphan.case_id].get("ref") is None  # kept, waiting for its referral
    assert sum(rt.consumers.stats.duplicates.values()) >= 1  # the redelivered event was not applied twice

    assert sorted(t["payload"]["rule_id"] for t in tags) == [
        "assessment_over_3_days", "clinician_override_of_guide", "paper_arrival_over_3_days"]
    paper = next(t for t in tags if t["payload"]["rule_id"] == "paper_arrival_over_3_days")
    assert paper["payload"]["evidence"] == {"date_written": "2023-02-24", "date_arrived": "2023-03-01", "days": "5"}

    rebuilt = KpiSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path / "replay",
                          database_url=f"sqlite:///{tmp_path / 'replay.db'}")
    stats = await replay(rebuilt)
    from services.kpi.replay import open_store

    assert facts(open_store(rebuilt), mine) == live
    # the windows figures select on are the same whether built live (PostgreSQL) or by replay (SQLite)
    assert windows(open_store(rebuilt), mine) == live_windows
    assert live_windows[late.case_id] == (date(2023, 2, 24), date(2023, 3, 9), "bup-umea")  # paper written .. BUP visit
    assert live_windows[f"call-{late.case_id}"] == date(2023, 3, 2)
    assert stats.outcomes["newer_schema"] >= 1


def test_kontakt_kpi_replay_command_rebuilds_with_a_progress_bar(kafka_bootstrap: str, tmp_path: Path,
                                                                 monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from kontakt.cli import app

    case = CaseBuilder()
    case.referral(at("2023-05-02", 9)); case.advice(at("2023-05-03", 9))
    asyncio.run(create_topics(kafka_bootstrap, ALL_TOPICS))
    asyncio.run(send(kafka_bootstrap, case.events))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("KONTAKT_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["kpi", "replay"])
    assert result.exit_code == 0, result.output
    assert "KPI replay" in result.output and "Replayed" in result.output
    from services.kpi.replay import open_store

    stored = facts(open_store(KpiSettings(kafka_bootstrap_servers=kafka_bootstrap, data_dir=tmp_path)), {case.case_id})
    assert stored[case.case_id]["assess"][2] == "advice"
