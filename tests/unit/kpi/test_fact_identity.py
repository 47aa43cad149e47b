"""A business fact re-published under a new event id counts once: contacts, decisions, collaborations,
paper arrivals and searches without a time are keyed by what happened, not by the message's id."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from services.kpi.domain.deviations import evaluate
from services.kpi.domain.figures import FIGURES, Dataset, Query, compute
from services.kpi.domain.views import CaseView
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import DEFS, RULES, fold

Q = Query(date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31))


def _month() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n in range(8):
        c = CaseBuilder()
        day = f"2026-02-{n + 2:02d}"
        c.referral(at(day, 9), channel=("edi", "phone", "paper")[n % 3], school=n % 2 == 0)
        c.linked(at(day, 11), at(day, 9), channel="paper")
        c.paper(day, f"2026-02-{n + 10:02d}")
        c.advice(at(day, 10))
        c.decided(at(day, 12), "bup" if n % 2 else "primary_care", guide="primary_care")
        if n % 3 == 0:
            c.decided(at(day, 15), "primary_care", supersedes="bup")
        c.collaboration(at(day, 13))
        c.no_slots(at(day, 14), units=("hc-sorsele", "hc-storuman"))
        c.booked(f"A-{n}", at(day, 12), at(day, 12) + timedelta(days=5))
        events += c.events
    return events


def _figures(events: list[dict[str, Any]]) -> dict[str, Any]:
    cases, calls = fold(events)
    ds = Dataset(cases.items(), calls.items(), DEFS)
    out: dict[str, Any] = {name: compute(ds, Q, name).rows() for name in FIGURES}
    out["deviations"] = sorted((d.case_id, d.rule_id, d.key) for cid, f in cases.items()
                               for d in evaluate(CaseView(cid, f), RULES, date(2026, 3, 31)))
    return out


def _republished(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**d, "event_id": str(uuid.uuid4())} for d in events]


def test_every_fact_republished_under_a_new_event_id_changes_no_figure() -> None:
    events = _month()
    before = _figures(events)
    after = _figures(events + _republished(events))
    contacts = sum(r.get("total", 0) for r in before["referrals_by_channel"])
    print(f"\n[kpi-fact-identity] events={len(events)} republished={len(events)} contacts={contacts} "
          f"deviations before={len(before['deviations'])} after={len(after['deviations'])}")
    assert contacts > 0 and before["deviations"]
    assert after == before


def test_a_second_decision_at_another_time_is_still_counted() -> None:
    c = CaseBuilder()
    c.referral(at("2026-02-02", 9))
    c.decided(at("2026-02-02", 12), "bup")
    once = fold(c.events)[0][c.case_id]
    c.decided(at("2026-02-03", 12), "primary_care", supersedes="bup")
    twice = fold(c.events)[0][c.case_id]
    assert len(once["decisions"]) == 1 and len(twice["decisions"]) == 2


def test_a_rebooking_fact_releases_the_old_appointment_in_the_figures_in_any_order() -> None:
    c = CaseBuilder()
    c.referral(at("2026-02-02", 9))
    c.decided(at("2026-02-02", 12), "primary_care")
    c.booked("A-OLD", at("2026-02-02", 12), at("2026-02-04", 10))
    moved = c.booked("A-NEW", at("2026-02-02", 12), at("2026-02-12", 10), booked=at("2026-02-03", 9))
    moved["payload"].update(rebooking_of="A-OLD", replaces={
        "appointment_id": "A-OLD", "unit_id": "hc-ersboda", "unit_name": "Ersboda", "reason": "rebooked",
        "starts_at": "2026-02-04T10:00:00+01:00"})
    for events in (c.events, list(reversed(c.events))):
        view = CaseView(c.case_id, fold(events)[0][c.case_id])
        first = view.first_visit("primary_care")
        assert first is not None and first.appointment_id == "A-NEW"
        assert {a.appointment_id: a.status for a in view.appointments} == {"A-OLD": "cancelled", "A-NEW": None}
