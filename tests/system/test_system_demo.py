"""`kontakt demo` for a few days against the five services: what a newcomer looks for is there afterwards.

Times imported and booked, a work queue with a morning's open work, each unit's week with its times, the
KC–BUP meeting with figures, the KPI waits filled, deviations that tell the demo's story (a unit without
times, not a flood of `no_bookable_slots`), and not one of the demo's own acts refused.
"""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from kontakt.cli import app
from kontakt.demo import SCARCE_UNIT, TZ
from kontakt.system import write_ports
from tests.system.conftest import Five
from tests.waiting import wait_until

pytestmark = pytest.mark.broker
DAYS = 6  # at least four weekdays, whatever today is


def get(five: Five, service: str, path: str, role: str, **params: Any) -> Any:
    token = five.issuer.token(role)
    r = httpx.get(f"{five.url(service)}{path}", params=params, headers={"Authorization": f"Bearer {token}"},
                  timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def today() -> date:
    return datetime.now(TZ).date()


def figure(five: Five, name: str) -> dict[str, int]:
    """The figure's columns summed over the demo's months."""
    since = (today() - timedelta(days=DAYS + 1)).replace(day=1)
    rows = get(five, "kpi", f"/api/kpi/figures/{name}", "kpi_analyst", grain="month", **{"from": str(since)})["rows"]
    return {k: sum(int(r[k] or 0) for r in rows) for k in rows[0] if k not in ("period", "unit") and
            not k.startswith("share")}


@pytest.fixture(scope="module")
def demo(five: Five) -> dict[str, Any]:
    write_ports(five.data_dir, five.system.ports, five.system.bootstrap)
    out = CliRunner().invoke(app, ["demo", "--data-dir", str(five.data_dir), "--days", str(DAYS), "--seed", "7"])
    assert out.exit_code == 0, out.output
    numbers = re.search(r"booked (\d+), times imported (\d+), left open for today (\d+)", out.output)
    assert numbers, out.output
    booked, imported, open_today = map(int, numbers.groups())
    return {"output": out.output, "booked": booked, "imported": imported, "open_today": open_today}


def test_the_demo_reports_each_simulated_day_in_plain_lines_and_no_refused_act(demo: dict[str, Any]) -> None:
    out = demo["output"]
    assert "Refused acts: none" in out
    days = re.findall(r"^demo (\d{4}-\d{2}-\d{2}) \w{3} ", out, re.MULTILINE)
    assert len(days) >= 4 and days == sorted(days) and len(set(days)) == len(days)
    assert "{" not in out.split("Where to look:")[0]  # sentences, not Python dicts
    assert "\x1b[" not in out  # no live display when the output is not a terminal


def test_times_are_imported_and_booked_and_each_units_week_shows_them(five: Five, demo: dict[str, Any]) -> None:
    assert demo["imported"] > 300 and demo["booked"] >= 1
    units = get(five, "booking", "/api/units", "kc_head")
    first = today() - timedelta(days=DAYS)
    slots = {u["unit_id"]: [s for k in (0, 31) for s in get(  # the demo's days and the six weeks imported ahead
        five, "booking", f"/api/units/{u['unit_id']}/slots", "kc_head", from_date=str(first + timedelta(days=k)),
        days=31)] for u in units}
    without = [u for u, times in slots.items() if not times and u != SCARCE_UNIT]
    assert not without, f"units without times in their weeks: {without}"
    cancelled = int(m.group(1)) if (m := re.search(r"cancellation (\d+)", demo["output"])) else 0
    booked = sum(s["state"] == "booked" for times in slots.values() for s in times)
    assert booked >= demo["booked"] - cancelled  # and those the waiting list booked itself


def test_the_kc_bup_meeting_has_free_new_visits_per_bup_unit(five: Five, demo: dict[str, Any]) -> None:
    meeting = get(five, "booking", "/api/meeting/free-new-visits", "kc_head", weeks=4)
    bup = [u for u in meeting["units"] if u["level"] == "specialist"]
    assert bup and all(sum(u["free_by_week"].values()) > 0 for u in bup), bup


def test_the_work_queue_holds_a_mornings_open_work(five: Five, demo: dict[str, Any]) -> None:
    queue = get(five, "intake", "/api/work-queue", "call_handler")
    cases = queue["cases"]
    assert len(cases) >= max(3, demo["open_today"]) and queue["at_risk"] >= 1
    assert {"edi", "paper", "school_form"} <= {c["channel"] for c in cases}
    assert len({c["days_since_clock_start"] for c in cases}) >= 3  # today, yesterday, older
    assert len(get(five, "intake", "/api/calls", "call_handler")) >= 3  # answered calls no case has taken yet


def test_kpi_waits_are_filled_and_deviations_tell_the_demos_story(five: Five, demo: dict[str, Any]) -> None:
    seen: list[Any] = []

    def settled() -> dict[str, dict[str, int]] | None:
        """The figures once the KPI service has read all there is: the same twice, seconds apart."""
        now = {n: figure(five, n) for n in ("assessment_3d", "first_line_visit_7d", "bup_first_visit_30d",
                                             "deviations")}
        same = bool(seen) and seen[-1] == now
        seen.append(now)
        return now if same and now["assessment_3d"]["completed"] > 0 else None

    found = asyncio.run(wait_until(settled, timeout=120, interval=3))
    assert found["assessment_3d"]["completed"] >= 10 and found["assessment_3d"]["met"] > 0
    visits = found["first_line_visit_7d"]["completed"] + found["bup_first_visit_30d"]["completed"]
    waiting = found["first_line_visit_7d"]["waiting"] + found["bup_first_visit_30d"]["waiting"]
    assert visits + waiting >= demo["booked"], found
    deviations, cases = found["deviations"], found["assessment_3d"]["started"]
    # a unit without times (Sorsele) and the odd level without any: a few, not one per decision
    assert deviations["no_bookable_slots"] <= max(3, cases // 10), deviations
    assert deviations["total"] < cases, deviations


def test_the_services_clock_is_back_to_now_after_the_demo(five: Five, demo: dict[str, Any]) -> None:
    assert not (five.data_dir / "clock.json").exists()
    as_of = get(five, "intake", "/api/work-queue", "call_handler")["as_of"]
    assert abs((datetime.fromisoformat(as_of) - datetime.now(TZ)).total_seconds()) < 120
