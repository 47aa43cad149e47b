"""A KPI service with a year of deterministic figures, served over HTTP for a real headless Chromium."""
from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import uvicorn

from contracts.registry import parse_event
from services.chassis.clock import FixedClock
from services.kpi.app import build
from services.kpi.handlers import project
from services.kpi.rules import load_rules
from services.kpi.settings import KpiSettings
from tests.unit.kpi.builders import CaseBuilder, at, call

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TODAY = datetime(2023, 12, 14, 9, tzinfo=timezone.utc)


def year_of_events() -> list[dict]:
    """About 200 cases over 2023 with every kind of event the charts show; the same every run."""
    rnd = random.Random(7)
    events: list[dict] = []
    for i in range(200):
        c = CaseBuilder(f"C-{i:012d}")
        day = datetime(2023, 1, 2) + timedelta(days=int(i * 1.7))
        contact = at(day.strftime("%Y-%m-%d"), 8 + i % 9)
        c.referral(contact, channel=("edi", "paper", "phone", "edi")[i % 4], sex=("female", "male")[rnd.random() < .48],
                   municipality=("Umeå", "Skellefteå", "Lycksele", "Sorsele")[i % 4], school=i % 5 == 0)
        if i % 4 == 1:
            c.paper(str(contact.date() - timedelta(days=rnd.randint(0, 6))), str(contact.date()))
        if contact < TODAY - timedelta(days=3):
            c.advice(contact + timedelta(days=rnd.choice([0, 1, 2, 3, 3, 4, 6])))
            level = ("primary_care", "bup", "parenting_group", "primary_care", "signposting")[i % 5]
            decided = contact + timedelta(days=4)
            c.decided(decided, level, guide="primary_care" if i % 11 == 0 else level)
            if level in ("primary_care", "bup") and decided < TODAY - timedelta(days=30):
                wait = rnd.randint(2, 12) if level == "primary_care" else rnd.randint(10, 60)
                c.booked(f"A-{i}", decided, decided + timedelta(days=wait), level=level,
                         unit=("hc-ersboda", "hc-mariehem") [i % 2] if level == "primary_care" else "bup-umea",
                         chosen=i % 13 == 0)
            if level == "parenting_group":
                c.seat(f"G-{i // 15}", str((decided + timedelta(days=20)).date()), sex=("female", "male")[i % 2])
        events += c.events
        offered = at(day.strftime("%Y-%m-%d"), 8 + i % 8)
        outcome = rnd.random()
        steps = [("CallOffered", offered)]
        steps += [("CallAnswered", offered + timedelta(minutes=3))] if outcome < .8 else \
            [("QueueFull", offered)] if outcome < .9 else [("CallbackMade", offered + timedelta(hours=2))]
        events += call(f"call-{i}", steps)
    late = CaseBuilder("C-ATRISK000001")
    late.referral(TODAY - timedelta(days=2))  # breaches tomorrow unless someone assesses
    return events + late.events


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory, issuer) -> Iterator[str]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("kpi-dashboard")
    rt, app = build(KpiSettings(data_dir=tmp, auth_jwks_file=issuer.jwks_file), clock=FixedClock(TODAY))
    rt.migrate()
    rules = load_rules()
    for d in year_of_events():
        with rt.db.uow() as uow:
            project(rt, rules, parse_event(d), uow)
            uow.commit()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    rt.db.dispose()


BASELINE = Path(__file__).parent / "baseline" / "dashboard.png"
