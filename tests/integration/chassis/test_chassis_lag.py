"""Consumer lag read from the broker: what a group has committed against what the partitions hold."""
from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from contracts.intake import CASES_TOPIC
from kontakt.cli import app
from services.chassis.lag import consumer_lag
from tests.integration.chassis.conftest import applied, closed, produce
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


def _records(*events):  # type: ignore[no-untyped-def]
    return [(ev.model_dump_json().encode(), ev.case_id.encode(), []) for ev in events]


async def test_lag_is_zero_when_the_group_caught_up_and_counts_what_arrived_while_it_was_away(
        probe, kafka_bootstrap: str) -> None:  # type: ignore[no-untyped-def]
    group = probe.consumers.groups[0]
    first, later = [closed() for _ in range(3)], [closed() for _ in range(4)]
    async with probe.lifespan(probe.app):
        await produce(kafka_bootstrap, *_records(*first))
        await wait_until(lambda: all(applied(probe, ev.case_id) == 1 for ev in first))  # type: ignore[arg-type]

        for _ in range(100):  # offsets are committed right after each applied event: soon zero
            behind = sum((await consumer_lag(kafka_bootstrap, group, [CASES_TOPIC])).values())
            if behind == 0:
                break
            await asyncio.sleep(0.1)
        assert behind == 0
    await produce(kafka_bootstrap, *_records(*later))  # the service is stopped: these wait
    lag = await consumer_lag(kafka_bootstrap, group, [CASES_TOPIC])
    assert sum(lag.values()) == len(later)
    assert {tp.topic for tp in lag} == {CASES_TOPIC} and len(lag) == 6  # every partition, not only committed ones


def test_kontakt_lag_lists_every_service_group_with_its_lag(kafka_bootstrap: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    result = CliRunner().invoke(app, ["lag"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for group in ("triage.cases", "booking.decisions", "kpi.projections", "notifications.bookings"):
        assert group in result.output
