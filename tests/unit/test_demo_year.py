"""The demo's year is believable before it is played: school peaks, a summer dip in bookable times, parent
groups through the year, queue-full episodes, and calls as intake's telephony events with their own times."""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from kontakt.demo import Demo

UNITS = ([{"unit_id": f"bup-{i}", "level": "specialist", "professions": ["psychologist"], "digital_visits": True}
          for i in range(3)]
         + [{"unit_id": f"hc-{i}", "level": "first_line", "professions": ["counsellor"], "digital_visits": i % 2 == 0}
            for i in range(20)])
SCHOOLS = [{"id": f"sk-{i}", "name": f"Skola {i}", "municipality": "Umeå"} for i in range(10)]


class Recorder:
    """Stands in for the system's HTTP APIs; keeps what the schedulers sent."""

    def __init__(self) -> None:
        self.slots: list[tuple[str, Any]] = []
        self.groups: list[date] = []

    def units(self) -> list[dict[str, Any]]:
        return UNITS

    def schools(self) -> list[dict[str, Any]]:
        return SCHOOLS

    def import_slots(self, unit_id: str, rows: list[dict[str, Any]]) -> dict[str, int]:
        self.slots += [(unit_id, r["starts_at"]) for r in rows]
        return {"created": len(rows)}

    def add_group(self, unit_id: str, kind: str, starts_on: date, seats: int, digital: bool) -> None:
        self.groups.append(starts_on)


def test_a_year_has_school_peaks_a_summer_dip_groups_every_month_but_july_and_queue_full_episodes(tmp_path: Path):
    rec = Recorder()
    demo = Demo(rec, tmp_path / "clock.json", seed=42, days=365, scale=1.0, today=date(2026, 11, 1))  # type: ignore[arg-type]
    demo.build()
    paper = Counter(a.at.month for a in demo.acts if a.label == "paper referral")
    assert min(paper[4], paper[5], paper[11]) > 1.2 * max(paper[9], paper[10], paper[3])  # school peaks
    assert paper[7] < paper[9] / 2  # the summer holiday
    for act in [a for a in demo.acts if a.label == "unit schedules"]:
        act.run()
    per_month = Counter(t.month for _, t in rec.slots)
    assert per_month[7] < 0.5 * per_month[10] and per_month[6] < 0.8 * per_month[10]  # fewer times in the summer
    assert per_month[10] > 200 and all(t.weekday() < 5 for _, t in rec.slots)
    by_unit_time = Counter(rec.slots)
    assert max(by_unit_time.values()) == 1  # no two times on top of each other
    assert {d.month for d in rec.groups} == set(range(1, 13)) - {7}  # groups start every month but July
    full = Counter(a.at.month for a in demo.acts if a.label == "queue full")
    assert sum(full.values()) > 300 and len(full) == 12  # queue-full episodes all year


def test_calls_that_open_no_case_are_published_as_intakes_telephony_events_with_their_own_times(tmp_path: Path):
    demo = Demo(Recorder(), tmp_path / "clock.json", seed=42, days=10, scale=1.0, today=date(2026, 11, 1),  # type: ignore[arg-type]
                publish=lambda events: None)
    demo.build()
    events = demo.telephony
    assert demo.fig.calls > 200 and demo.fig.queue_full > 2
    assert all(e.payload.at == e.occurred_at for e in events)  # each event carries its own time
    assert {e.event_type for e in events} >= {"CallOffered", "CallAnswered", "QueueFull", "CallbackMade"}
    assert all(e.key == e.payload.call_id for e in events)
    # calls that open a case still go through intake's API (the case needs the call)
    assert sum(a.label == "call" for a in demo.acts) > 10
