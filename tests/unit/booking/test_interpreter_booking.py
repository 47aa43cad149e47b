"""An interpreter booked with the visit: asked of the agency as the held time is booked; no interpreter -> the time
is given back, staff told why and the fact published; the agency away -> nothing booked; a cancelled visit calls the
interpreter off; a waiting child who needs one is left to a person, not booked automatically."""
from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from services.booking.domain.interpreting import AgencyUnreachable, InterpreterRequest
from services.booking.interpreting import HttpInterpretingAgency
from services.booking.store import BookingCase
from services.booking.use_cases import placement

CASE = "C-TOLKAAAAAAAA"


class FakeAgency:
    """The interpreting agency as booking sees it: books while it has interpreters, else says no."""

    def __init__(self, free: int = 1, away: bool = False) -> None:
        self.free, self.away = free, away
        self.asked: list[InterpreterRequest] = []
        self.cancelled: list[str] = []

    def book(self, request: InterpreterRequest) -> str | None:
        if self.away:
            raise AgencyUnreachable("interpreting_unreachable")
        self.asked.append(request)
        if self.free <= 0:
            return None
        self.free -= 1
        return f"TB-{len(self.asked)}"

    def cancel(self, booking_id: str) -> bool:
        self.cancelled.append(booking_id)
        return True


def _needs_interpreter(booking: Any, case_id: str = CASE, language: str = "ar") -> None:
    booking.case(case_id)
    with booking.rt.db.uow() as uow:
        row = uow.session.get(BookingCase, case_id)
        row.language, row.interpreter_needed = language, True
        uow.session.add(row)
        uow.commit()


def _agency(booking: Any, agency: FakeAgency) -> FakeAgency:
    booking.app.state.deps = dataclasses.replace(booking.app.state.deps, agency=agency)
    return agency


def test_the_time_is_booked_with_an_interpreter_in_the_familys_language(booking) -> None:  # type: ignore[no-untyped-def]
    agency = _agency(booking, FakeAgency())
    _needs_interpreter(booking)
    slot = booking.slot("hc-mariehem", 2, digital=True)
    offers = booking.call("GET", f"/api/cases/{CASE}/offers").json()
    assert offers["interpreter"] == {"language": "ar"}
    done = booking.book(CASE, slot["slot_id"])
    assert done.status_code == 201, done.text
    assert done.json()["interpreter"] == {"language": "ar", "mode": "video", "agency_ref": "TB-1"}
    [asked] = agency.asked
    assert (asked.language, asked.unit_id, asked.mode) == ("ar", "hc-mariehem", "video")
    assert CASE not in str(asked.as_json())  # the agency gets the time and place, nothing of the child
    [booked] = booking.events("AppointmentBooked")
    assert booked["payload"]["interpreter"] == {"language": "ar", "mode": "video", "agency_ref": "TB-1"}


def test_no_interpreter_gives_the_time_back_tells_why_and_publishes_the_fact(booking) -> None:  # type: ignore[no-untyped-def]
    _agency(booking, FakeAgency(free=0))
    _needs_interpreter(booking, language="ti")
    slot = booking.slot("hc-mariehem", 2)
    r = booking.book(CASE, slot["slot_id"])
    assert r.status_code == 409
    error = r.json()["errors"][0]
    assert error["code"] == "interpreter_unavailable" and "tolk" in error["sv"] and "interpreter" in error["en"]
    assert booking.events("AppointmentBooked") == []
    [fact] = booking.events("InterpreterUnavailable")
    assert fact["case_id"] == CASE and fact["payload"]["language"] == "ti"
    assert fact["payload"]["visit_type"] == "new_visit" and fact["payload"]["unit_id"] == "hc-mariehem"
    again = booking.call("POST", "/api/holds", json={"case_id": CASE, "slot_id": slot["slot_id"]})
    assert again.status_code == 201  # the time is free again for anyone


def test_the_agency_away_books_nothing_and_keeps_the_hold(booking) -> None:  # type: ignore[no-untyped-def]
    _agency(booking, FakeAgency(away=True))
    _needs_interpreter(booking)
    slot = booking.slot("hc-mariehem", 2)
    hold = booking.call("POST", "/api/holds", json={"case_id": CASE, "slot_id": slot["slot_id"]}).json()
    r = booking.call("POST", f"/api/holds/{hold['hold_token']}/confirm", json={})
    assert r.status_code == 503 and r.json()["errors"][0]["code"] == "interpreting_unreachable"
    assert booking.events("AppointmentBooked") == [] and booking.events("InterpreterUnavailable") == []
    booking.app.state.deps.agency.away = False
    assert booking.call("POST", f"/api/holds/{hold['hold_token']}/confirm", json={}).status_code == 201


def test_a_family_without_an_interpreter_need_is_booked_without_asking_the_agency(booking) -> None:  # type: ignore[no-untyped-def]
    agency = _agency(booking, FakeAgency())
    booking.case(CASE)
    slot = booking.slot("hc-mariehem", 2)
    assert booking.book(CASE, slot["slot_id"]).status_code == 201
    assert agency.asked == [] and booking.events("AppointmentBooked")[0]["payload"]["interpreter"] is None


def test_a_cancelled_visit_calls_the_interpreter_off(booking) -> None:  # type: ignore[no-untyped-def]
    agency = _agency(booking, FakeAgency())
    _needs_interpreter(booking)
    slot = booking.slot("hc-mariehem", 2)
    appt = booking.book(CASE, slot["slot_id"]).json()
    r = booking.call("POST", f"/api/appointments/{appt['appointment_id']}/cancel", json={"by": "family"})
    assert r.status_code == 200, r.text
    assert agency.cancelled == ["TB-1"]


def test_a_waiting_child_who_needs_an_interpreter_is_not_booked_automatically(booking) -> None:  # type: ignore[no-untyped-def]
    agency = _agency(booking, FakeAgency())
    _needs_interpreter(booking, "C-TOLKBBBBBBBB")
    booking.case("C-PLAINAAAAAA1", clock_start=booking.clock.now())  # a later clock: second in line
    for case_id in ("C-TOLKBBBBBBBB", "C-PLAINAAAAAA1"):
        with booking.rt.db.uow() as uow:
            placement.place(uow, booking.ref, uow.session.get(BookingCase, case_id), booking.clock.now(), None)
            uow.commit()
    booking.slot("hc-mariehem", 2)
    booked = [e["case_id"] for e in booking.events("AppointmentBooked")]
    assert booked == ["C-PLAINAAAAAA1"] and agency.asked == []


def test_the_http_agency_reads_booked_not_available_and_errors() -> None:
    answers = {"ar": httpx.Response(201, json={"booking_id": "TB-9"}), "ti": httpx.Response(409, json={}),
               "so": httpx.Response(500)}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        import json
        return answers[json.loads(request.content)["language"]]

    agency = HttpInterpretingAgency("http://agency/interpreting", transport=httpx.MockTransport(handler))
    from datetime import UTC, datetime
    req = InterpreterRequest("ar", datetime(2026, 3, 4, 9, tzinfo=UTC), datetime(2026, 3, 4, 10, tzinfo=UTC),
                             "hc-teg", "on_site", "hold-1")
    assert agency.book(req) == "TB-9" and seen[0].headers["Idempotency-Key"] == "hold-1"
    assert agency.book(dataclasses.replace(req, language="ti")) is None
    try:
        agency.book(dataclasses.replace(req, language="so"))
    except AgencyUnreachable as exc:
        assert str(exc) == "interpreting_status_500"
    else:
        raise AssertionError("a 500 must not read as booked")
