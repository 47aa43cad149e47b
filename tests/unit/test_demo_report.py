"""What `kontakt demo` tells its user: refusals counted per act and route, a service not yet caught up told
apart from a refusal, a plain line per simulated day, and a summary in sentences."""
from __future__ import annotations

import io
from datetime import date, datetime

import httpx

from kontakt.demo import TZ, Figures
from kontakt.demo_report import DayLines, Tally, route_of, summary


def answer(status: int, method: str, path: str, body: str = "{}") -> httpx.Response:
    return httpx.Response(status, text=body, request=httpx.Request(method, f"http://127.0.0.1:8103{path}"))


def test_a_route_names_its_unit_and_hides_the_ids_of_children_and_times() -> None:
    assert route_of("/api/cases/C-4Q7T2M9KZ3XW/advice") == "/api/cases/{id}/advice"
    assert route_of("/api/cases/C-ZCQKWZDKKQVB/offers") == "/api/cases/{id}/offers"  # no digit in it
    assert route_of("/api/units/hc-ersboda/slots/import") == "/api/units/{unit}/slots/import"
    assert route_of("/api/groups/G-20261201-1A2B3C/seats/C-4Q7T2M9KZ3XW/evaluation") == \
        "/api/groups/{id}/seats/{id}/evaluation"
    assert route_of("/api/meeting/free-new-visits") == "/api/meeting/free-new-visits"


def test_refusals_are_counted_per_act_and_route_and_a_service_not_yet_caught_up_is_not_one() -> None:
    tally = Tally()
    tally.current = "unit schedules"
    for unit in ("hc-ersboda", "hc-mariehem"):
        tally.answer(answer(403, "POST", f"/api/units/{unit}/slots/import", '{"detail": "Role scheduler of unit -"}'))
    tally.current = "booking"
    tally.answer(answer(409, "GET", "/api/cases/C-ZCQKWZDKKQVB/offers", '{"errors": [{"code": "no_decision"}]}'))
    tally.answer(answer(201, "POST", "/api/holds"))
    tally.answer(answer(409, "POST", "/api/holds/5F2A9C1B/confirm", '{"errors": [{"code": "hold_expired"}]}'))
    assert tally.refused == {"unit schedules: POST /api/units/{unit}/slots/import -> 403": 2,
                             "booking: POST /api/holds/{id}/confirm -> 409": 1}
    assert tally.explained == {"booking had not yet heard of the decision": 1} and tally.refused_total == 3
    assert "Role scheduler" in tally.examples["unit schedules: POST /api/units/{unit}/slots/import -> 403"]


def test_an_act_that_stops_without_an_http_answer_is_counted_once_as_refused() -> None:
    tally = Tally()
    tally.failed("interview", TimeoutError("triage did not answer"))
    tally.failed("advice", RuntimeError("POST /api/cases/C-1/advice -> 422: ..."))  # counted by its answer already
    assert tally.refused == {"interview: TimeoutError": 1}


def test_a_plain_line_per_simulated_day_with_its_acts_and_refusals() -> None:
    tally, out = Tally(), io.StringIO()
    lines = DayLines(tally, out)
    for n, (day, label) in enumerate(((3, "call"), (3, "call"), (3, "advice"), (4, "call")), start=1):
        tally.acts[label] += 1  # the act is done, then told
        if day == 4:
            tally.refused["call: POST /api/telephony/events -> 422"] += 1
        lines.act(datetime(2026, 11, day, 10, tzinfo=TZ), label, n, 4 - n)
    lines.close()
    assert out.getvalue().splitlines() == [
        "demo 2026-11-03 Tue     3 acts (2 call, 1 advice); 3 done, 1 to go; refused 0",
        "demo 2026-11-04 Wed     1 act  (1 call); 4 done, 0 to go; refused 1"]


def test_the_summary_is_sentences_with_every_refused_act_named() -> None:
    fig = Figures(calls=40, queue_full=2, advice=5, interviews=3, levels={"primary_care": 2, "bup": 1}, booked=2,
                  slots_imported=120, open_today=5)
    tally = Tally()
    tally.acts.update({"call": 40, "advice": 5})
    clean = "\n".join(summary(fig, tally, 12.3, date(2026, 11, 1), date(2026, 11, 7)))
    assert "Refused acts: none" in clean and "{" not in clean
    assert "decisions: BUP 1, primary care 2" in clean and "booked 2, times imported 120" in clean
    tally.refused["booking: POST /api/holds -> 409"] = 2
    tally.examples["booking: POST /api/holds -> 409"] = "slot_taken"
    refused = summary(fig, tally, 12.3, date(2026, 11, 1), date(2026, 11, 7))
    assert refused[-2:] == ["Refused acts: 2", "  2 × booking: POST /api/holds -> 409: slot_taken"]
