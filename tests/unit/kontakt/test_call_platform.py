"""`kontakt call` plays the call platform: the steps it reports are the telephony events intake accepts and
publishes, the answered call waits for a call handler, and the caller's number and personnummer stay off intake."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlmodel import Session, select
from typer.testing import CliRunner

from contracts.intake import CallPayload
from contracts.registry import parse_event
from kontakt.callplatform import DEFAULT_STAFF, plan_call, steps_for
from kontakt.cli import app
from services.chassis.issuer import LocalIssuer
from services.chassis.tables import OutboxRow
from services.workspace.signin import local_subject
from tests.unit.intake.conftest import Intake, make_intake


@pytest.fixture
def served_intake(tmp_path: Path) -> Iterator[tuple[Intake, str]]:
    """Intake over real HTTP (the CLI is a separate program), its clock at the true time, no broker."""
    issuer = LocalIssuer(tmp_path / "data" / "keys")  # the embedded default's issuer, as `kontakt up` makes it
    intake = make_intake(tmp_path, issuer)
    intake.clock.at = datetime.now(UTC)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(intake.app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield intake, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        intake.rt.db.dispose()


def published(intake: Intake) -> list[Any]:
    with Session(intake.rt.db.engine) as s:
        return [parse_event(r.payload) for r in s.exec(select(OutboxRow).order_by(OutboxRow.id)).all()]


def kontakt_call(tmp_path: Path, url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["call", "--intake-url", url, "--data-dir", str(tmp_path / "data"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_kontakt_call_rings_offered_queued_answered_and_the_call_waits_for_a_call_handler(
        tmp_path: Path, served_intake: tuple[Intake, str]) -> None:
    intake, url = served_intake
    out = kontakt_call(tmp_path, url, "--number", "+46701740611", "--personnummer", "20150314-2380")
    events = published(intake)
    assert [e.event_type for e in events] == ["CallOffered", "CallQueued", "CallAnswered"]
    call_id = events[0].payload.call_id
    assert all(isinstance(e.payload, CallPayload) and e.payload.call_id == call_id and e.key == call_id
               and e.payload.line == "public_1177" and e.occurred_at == e.payload.at for e in events)
    assert events[0].occurred_at < events[1].occurred_at < events[2].occurred_at
    waiting = httpx.get(f"{url}/api/calls", headers=intake.auth("call_handler")).json()
    assert [c["call_id"] for c in waiting] == [call_id]
    # the phone shows who rings and for whom; intake and its events know nothing of the caller
    assert "+46701740611" in out and "20150314-2380" in out and f"besvarat av {DEFAULT_STAFF}" in out
    assert local_subject("clinician") == DEFAULT_STAFF  # the workspace's signed-in clinician
    text = "".join(e.model_dump_json() for e in events)
    assert "1740611" not in text and "20150314" not in text and "S-LOCAL" not in text


def test_queue_full_and_abandoned_with_callback_are_reported_as_the_platform_reports_them(
        tmp_path: Path, served_intake: tuple[Intake, str]) -> None:
    intake, url = served_intake
    full = kontakt_call(tmp_path, url, "--queue-full", "--staff", "S-LOCAL-CALL_HANDLER", "--number", "+46701740612")
    assert [e.event_type for e in published(intake)] == ["CallOffered", "QueueFull", "CallbackPromised"]
    assert "kön var full" in full and "queue was full" in full and "Lovad återuppringning" in full
    assert "1740612" not in "".join(e.model_dump_json() for e in published(intake))  # sealed on the bus
    back = kontakt_call(tmp_path, url, "--abandon-callback", "--staff", "S-LOCAL-CALL_HANDLER", "--new-child")
    assert [e.event_type for e in published(intake)][3:] == ["CallOffered", "CallQueued", "CallAbandoned",
                                                             "CallbackScheduled", "CallbackMade"]
    assert "ringdes tillbaka av S-LOCAL-CALL_HANDLER" in back and "personnummer" in back
    waiting = httpx.get(f"{url}/api/calls", headers=intake.auth("call_handler")).json()
    assert [c["step"] for c in waiting] == ["CallbackMade"]  # the callback reached someone; the full queue did not


def test_ring_upp_mig_in_the_queue_asks_a_call_back_with_the_number_that_only_taking_it_shows(
        tmp_path: Path, served_intake: tuple[Intake, str]) -> None:
    intake, url = served_intake
    out = kontakt_call(tmp_path, url, "--callback", "--number", "+46701740613")
    events = published(intake)
    assert [e.event_type for e in events] == ["CallOffered", "CallQueued", "CallbackScheduled", "CallbackPromised"]
    promise = events[-1].payload
    assert promise.reason == "chosen" and promise.call_id == events[0].payload.call_id
    assert "'ring upp mig'" in out and promise.callback_id in out
    listed = httpx.get(f"{url}/api/callbacks", headers=intake.auth("call_handler")).json()["callbacks"]
    assert [c["callback_id"] for c in listed] == [promise.callback_id] and "1740613" not in str(listed)
    taken = httpx.post(f"{url}/api/callbacks/{promise.callback_id}/take", headers=intake.auth("call_handler"))
    assert taken.json()["number"] == "+46701740613"
    again = CliRunner().invoke(app, ["call", "--intake-url", url, "--data-dir", str(tmp_path / "data"),
                                     "--callback", "--queue-full"])
    assert again.exit_code != 0 and "choose one of" in again.output


def test_a_refused_step_fails_the_command_with_intakes_reason(tmp_path: Path,
                                                              served_intake: tuple[Intake, str]) -> None:
    _, url = served_intake
    result = CliRunner().invoke(app, ["call", "--intake-url", url, "--data-dir", str(tmp_path / "data"),
                                      "--line", "hotline"])
    assert result.exit_code == 1 and "Intake refused the call" in result.output and "422" in result.output


def test_every_step_lies_in_the_past_and_the_call_id_carries_no_caller_data() -> None:
    now = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    for scenario in ("answered", "queue_full", "abandoned_callback", "callback"):
        steps = steps_for(scenario, now)  # type: ignore[arg-type]
        assert all(at <= now for _, at in steps) and [at for _, at in steps] == sorted(at for _, at in steps)
    call = plan_call(caller_number="+46701740650", identity_number="20150314-2380", now=now)
    assert "1740650" not in call.call_id and "2015" not in call.call_id
