"""A KPI service with a year of deterministic figures, served over HTTP for a real headless Chromium."""
from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from contracts.registry import parse_event
from kontakt.system import APPS, SERVICES, System
from services.chassis.clock import FixedClock
from services.chassis.issuer import LocalIssuer
from services.kpi.app import build
from services.kpi.rules import load_rules
from services.kpi.settings import KpiSettings
from services.kpi.use_cases import project_batch
from tests.browser.story import Story, tell
from tests.conftest import TEST_BROKER
from tests.e2e.conftest import quiet_hours_away_from_now
from tests.unit.kpi.builders import Callback, CaseBuilder, at, call

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TODAY = datetime(2023, 12, 14, 9, tzinfo=UTC)
# A web-first assertion waits up to 15 s, not Playwright's 5: the suite runs on busy two-core machines, where a
# page's save through two services can take seconds; an assertion that holds still returns at once.
expect.set_options(timeout=15_000)


def year_of_events() -> list[dict]:
    """About 200 cases over 2023 with every kind of event the charts show; the same every run."""
    rnd = random.Random(7)
    events: list[dict] = []
    for i in range(200):
        c = CaseBuilder(f"C-{i:012d}")
        day = datetime(2023, 1, 2) + timedelta(days=int(i * 1.7))
        contact = at(day.strftime("%Y-%m-%d"), 8 + i % 9)
        channel = "school_form" if i % 20 == 0 else ("edi", "paper", "phone", "edi")[i % 4]  # some schools use the form
        c.referral(contact, channel=channel, sex=("female", "male")[rnd.random() < .48],
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
    return events + late.events + december_callbacks()


def december_callbacks() -> list[dict]:  # type: ignore[type-arg]
    """Call-backs on the weekdays of December up to the day before TODAY (their own random stream)."""
    rnd, events, n = random.Random(23), [], 0
    for day in range(1, 14):
        d = f"2023-12-{day:02d}"
        if datetime.fromisoformat(d).weekday() >= 5:
            continue
        for _ in range(rnd.randint(1, 5)):
            n += 1
            hour, full = rnd.randint(8, 14), rnd.random() < 0.5
            asked = at(d, hour, rnd.randint(0, 50))
            events += call(f"cb-call-{n}", [("CallOffered", asked), ("QueueFull" if full else "CallbackScheduled", asked)])
            cb = Callback(n, f"cb-call-{n}", "queue_full" if full else "chosen", asked,
                          (at(d, hour + 1), at(d, hour + 2)))
            luck = rnd.random()
            if luck < 0.6:
                cb.tried(at(d, hour + 1, rnd.randint(0, 59)), True)
            elif luck < 0.8:
                cb.tried(at(d, hour + 3), True)
            else:
                cb.failed(at(d, 16))
            events += cb.events
    return events


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
            project_batch(uow, rules, [parse_event(d)], rt.clock.now())  # one event per transaction
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


# -- the staff workspace over the whole system -------------------------------------------------------------

@dataclass
class Workspace:
    """The five services, the workspace and the message sinks as processes, once for the session."""

    system: System
    data_dir: Path
    issuer: LocalIssuer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.system.ports['workspace']}"

    def api(self, service: str, role: str, unit: str | None = None) -> httpx.Client:
        """What the outside world does (the call platform, an EDI sender); never what staff do in the UI."""
        token = self.issuer.token(role, unit=unit)
        return httpx.Client(base_url=f"http://127.0.0.1:{self.system.ports[service]}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=20)

    def sent(self, kind: str) -> list[dict]:  # type: ignore[type-arg]
        f = self.data_dir / "sent" / f"{kind}.jsonl"
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


@contextmanager
def a_workspace_system(data_dir: Path) -> Iterator[Workspace]:
    """The five services, the workspace and a broker on free ports in `data_dir`, stopped when done."""
    ports = {name: free_port() for name in [*SERVICES, *APPS]}
    policy = quiet_hours_away_from_now(data_dir)
    system = System(data_dir=data_dir, broker_port=free_port(), ports=ports, sink_ports=(free_port(), free_port()),
                    broker_kind=TEST_BROKER, controller_port=free_port(),
                    extra_env={"NOTIFICATIONS_POLICY_FILE": str(policy)})
    try:
        system.start()
        yield Workspace(system, data_dir, LocalIssuer(data_dir / "keys"))
    finally:
        system.stop()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with a_workspace_system(tmp_path_factory.mktemp("workspace-system")) as ws:
        yield ws


@pytest.fixture(scope="session")
def story(workspace: Workspace) -> Story:
    """A morning's cases through the services (tests/browser/story.py), told once for the screens to show."""
    urls = {name: f"http://127.0.0.1:{port}" for name, port in workspace.system.ports.items()}
    return tell(urls, workspace.issuer)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page) -> list[dict]:  # type: ignore[type-arg]
    """WCAG 2.1 A and AA rules of axe-core, run in the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""")
    return list(result)
