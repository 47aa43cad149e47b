"""Booking during the call: offers, holds, confirmation, changes, waiting list, groups, bad input."""
from __future__ import annotations

from datetime import timedelta

from services.booking.use_cases import placement


def test_offers_rank_nearest_first_with_digital_as_near_then_earliest(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA1", municipality="Vännäs")
    booking.slot("hc-ersboda", 1)                  # Umeå: a neighbour of Vännäs, earliest
    booking.slot("hc-vannas", 3)                   # the family's own municipality
    booking.slot("hc-priv-citykliniken", 2, digital=True)  # far away but digital: near
    booking.slot("hc-kage", 0.5)                   # Skellefteå: far, earliest of all
    r = booking.call("GET", "/api/cases/C-AAAAAAAAAAA1/offers")
    assert r.status_code == 200, r.text
    units = [o["unit_id"] for o in r.json()["offers"]]
    assert units == ["hc-priv-citykliniken", "hc-vannas", "hc-ersboda", "hc-kage"]
    assert [o["wait_days"] for o in r.json()["offers"]] == [2, 3, 1, 0]


def test_hold_then_confirm_books_once_and_publishes_appointment_booked(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA2")
    slot = booking.slot("hc-mariehem", 2)
    hold = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA2", "slot_id": slot["slot_id"]})
    assert hold.status_code == 201
    other = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA2", "slot_id": slot["slot_id"]})
    assert other.status_code == 409 and other.json()["errors"][0]["code"] == "slot_taken"
    assert other.headers["content-type"] == "application/problem+json" and other.json()["status"] == 409
    done = booking.call("POST", f"/api/holds/{hold.json()['hold_token']}/confirm", json={})
    assert done.status_code == 201 and done.json()["wait_days"] == 2
    assert ("AppointmentBooked", "C-AAAAAAAAAAA2") in booking.outbox()
    again = booking.call("POST", f"/api/holds/{hold.json()['hold_token']}/confirm", json={})
    assert again.status_code == 404  # a used token books nothing more


def test_unconfirmed_hold_returns_to_the_pool_by_itself(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA3")
    slot = booking.slot("hc-teg", 2)
    hold = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA3", "slot_id": slot["slot_id"]}).json()
    booking.clock.advance(minutes=booking.ref.hold_minutes + 1)
    late = booking.call("POST", f"/api/holds/{hold['hold_token']}/confirm", json={})
    assert late.status_code == 409 and late.json()["errors"][0]["code"] == "hold_expired"
    again = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA3", "slot_id": slot["slot_id"]})
    assert again.status_code == 201


def test_no_slot_within_promise_publishes_no_bookable_slots_and_waiting_list_books_when_a_time_opens(booking) -> None:  # type: ignore[no-untyped-def]
    case = booking.case("C-AAAAAAAAAAA4", municipality="Sorsele")
    booking.slot("hc-storuman", 10)  # near, but beyond the 7-day promise
    with booking.rt.db.uow() as uow:
        placement.place(uow, booking.ref, uow.session.get(type(case), case.case_id), booking.clock.now(), None)
        uow.commit()
    assert ("NoBookableSlots", "C-AAAAAAAAAAA4") in booking.outbox()
    waiting = booking.call("GET", "/api/waiting-list", params={"unit_id": "hc-sorsele"}).json()
    assert [w["case_id"] for w in waiting] == ["C-AAAAAAAAAAA4"]
    booking.slot("hc-sorsele", 2, profession="counsellor")  # a time opens at the family's own unit
    assert ("AppointmentBooked", "C-AAAAAAAAAAA4") in booking.outbox()
    assert booking.call("GET", "/api/waiting-list").json() == []


def test_cancelling_twice_is_refused_and_change_of_level_moves_the_appointment_as_one_fact(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA5")
    slot = booking.slot("hc-alidhem", 1)
    hold = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA5", "slot_id": slot["slot_id"]}).json()
    appt = booking.call("POST", f"/api/holds/{hold['hold_token']}/confirm", json={}).json()
    booking.slot("bup-umea", 5)
    with booking.rt.db.uow() as uow:
        from services.booking.store import BookingCase

        case = uow.session.get(BookingCase, "C-AAAAAAAAAAA5")
        case.level = "bup"
        placement.change_level(uow, booking.ref, case, booking.clock.now(), None)  # type: ignore[arg-type]
        uow.commit()
    types = [t for t, k in booking.outbox() if k == "C-AAAAAAAAAAA5"]
    assert types == ["AppointmentBooked", "AppointmentBooked"]  # no cancellation before the move
    moved = booking.events("AppointmentBooked")[-1]["payload"]
    assert moved["rebooking_of"] == appt["appointment_id"] and moved["unit_id"] == "bup-umea"
    assert moved["replaces"]["appointment_id"] == appt["appointment_id"]
    assert moved["replaces"]["reason"] == "care_level_changed" and moved["replaces"]["unit_id"] == "hc-alidhem"
    r = booking.call("POST", f"/api/appointments/{appt['appointment_id']}/cancel", json={"by": "family"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "replaced"
    live = booking.call("POST", f"/api/appointments/{moved['appointment_id']}/cancel", json={"by": "family"})
    assert live.status_code == 200
    again = booking.call("POST", f"/api/appointments/{moved['appointment_id']}/cancel", json={"by": "family"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "already_cancelled"


def test_bad_slots_are_refused_with_the_field(booking) -> None:  # type: ignore[no-untyped-def]
    past = booking.call("POST", "/api/units/hc-teg/slots", "scheduler", unit="hc-teg", json={
        "starts_at": (booking.clock.now() - timedelta(hours=1)).isoformat()})
    assert past.status_code == 422 and past.json()["errors"][0]["code"] == "in_past"
    booking.slot("hc-teg", 1)
    overlap = booking.call("POST", "/api/units/hc-teg/slots", "scheduler", unit="hc-teg", json={
        "starts_at": (booking.clock.now() + timedelta(days=1, minutes=20)).isoformat()})
    assert overlap.status_code == 409 and overlap.json()["errors"][0]["code"] == "overlap"
    bad_csv = booking.call("POST", "/api/units/hc-teg/slots/import", "scheduler", unit="hc-teg",
                           files={"calendar": ("s.csv", b"starts_at,duration_min\n2026-03-10T09:00:00+01:00,45\nnot-a-date,45\n")})
    assert bad_csv.status_code == 422 and "Line 3" in bad_csv.json()["errors"][0]["en"]
    good = booking.call("POST", "/api/units/hc-teg/slots/import", "scheduler", unit="hc-teg",
                        files={"calendar": ("s.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
                                                     b"DTSTART:20260310T080000Z\r\nDTEND:20260310T084500Z\r\n"
                                                     b"END:VEVENT\r\nEND:VCALENDAR\r\n")})
    assert good.status_code == 200 and good.json() == {"created": 1}


def test_a_calendar_with_several_bad_lines_names_each_and_stores_nothing(booking) -> None:  # type: ignore[no-untyped-def]
    later = (booking.clock.now() + timedelta(days=5)).isoformat()
    past = (booking.clock.now() - timedelta(days=1)).isoformat()
    csv = ("starts_at,duration_min,profession\n"
           f"{later},45,psychologist\n"   # line 2: fine
           "not-a-date,45,psychologist\n"  # line 3: unreadable time
           f"{later},many,psychologist\n"  # line 4: unreadable duration
           f"{later},45,surgeon\n"         # line 5: no such profession
           f"{past},45,psychologist\n")    # line 6: in the past
    r = booking.call("POST", "/api/units/hc-teg/slots/import", "scheduler", unit="hc-teg",
                     files={"calendar": ("s.csv", csv.encode())})
    assert r.status_code == 422, r.text
    named = [e["sv"].split(":")[0] for e in r.json()["errors"]]
    assert named == ["Rad 3", "Rad 4", "Rad 5", "Rad 6"]
    assert all(e["field"] == "calendar" and e["en"].startswith("Line ") for e in r.json()["errors"])
    week = booking.call("GET", "/api/units/hc-teg/slots", "scheduler", unit="hc-teg", params={"days": 14})
    assert week.status_code == 200 and week.json() == []  # line 2 was not stored either


def test_malformed_calendar_is_refused_naming_the_line_and_nothing_is_stored(booking) -> None:  # type: ignore[no-untyped-def]
    bad_ics = booking.call("POST", "/api/units/hc-teg/slots/import", "scheduler", unit="hc-teg",
                           files={"calendar": ("s.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
                                                        b"DTSTART:20260310T080000Z\r\nDTEND:20260310T084500Z\r\n"
                                                        b"END:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:tomorrow\r\n"
                                                        b"END:VEVENT\r\nEND:VCALENDAR\r\n")})
    assert bad_ics.status_code == 422 and bad_ics.json()["errors"][0]["code"] == "bad_ics", bad_ics.text
    assert "line" in bad_ics.json()["errors"][0]["en"].lower()
    booking.case("C-AAAAAAAAAAA8")
    assert booking.call("GET", "/api/cases/C-AAAAAAAAAAA8/offers").json()["offers"] == []


def test_another_holds_token_does_not_book_the_time_on_screen(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA9")
    booking.case("C-AAAAAAAAAABA")
    mine, theirs = booking.slot("hc-mariehem", 2), booking.slot("hc-mariehem", 3)
    booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA9", "slot_id": mine["slot_id"]})
    other = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAABA", "slot_id": theirs["slot_id"]}).json()
    wrong = booking.call("POST", f"/api/holds/{other['hold_token']}/confirm", json={"slot_id": mine["slot_id"]})
    assert wrong.status_code == 409 and wrong.json()["errors"][0]["code"] == "wrong_hold"
    assert ("AppointmentBooked", "C-AAAAAAAAAABA") not in booking.outbox()


def test_group_capacity_is_never_exceeded(booking) -> None:  # type: ignore[no-untyped-def]
    open_one = booking.call("POST", "/api/groups", "scheduler", unit="hc-teg", json={
        "course_kind": "parenting_3_12", "unit_id": "hc-teg",
        "starts_on": (booking.clock.now() + timedelta(days=12)).date().isoformat(), "seats": 8}).json()
    g = booking.call("POST", "/api/groups", "scheduler", unit="hc-mariehem", json={
        "course_kind": "parenting_3_12", "unit_id": "hc-mariehem",
        "starts_on": (booking.clock.now() + timedelta(days=10)).date().isoformat(), "seats": 2}).json()
    results = []
    for i in range(3):
        booking.case(f"C-AAAAAAAAAAG{i}", level="parenting_group")
        results.append(booking.call("POST", f"/api/groups/{g['group_id']}/seats",
                                    json={"case_id": f"C-AAAAAAAAAAG{i}", "parents": 2}).status_code)
    assert results == [201, 201, 409]
    listed = booking.call("GET", "/api/groups", params={"course_kind": "parenting_3_12"})
    assert listed.status_code == 200 and g["group_id"] not in [x["group_id"] for x in listed.json()]  # full
    assert [x["free_seats"] for x in listed.json() if x["group_id"] == open_one["group_id"]] == [8]
    assert [t for t, _ in booking.outbox()].count("GroupSeatBooked") == 2
    answers = {"satisfaction": "mycket_nojd", "recommend": "stor_sannolikhet", "easier_everyday": "ja_ofta",
               "exchange": "bra_givande"}
    path = f"/api/groups/{g['group_id']}/seats/C-AAAAAAAAAAG0/evaluation"
    assert booking.call("POST", path, "scheduler", unit="hc-mariehem", json=answers).status_code == 201
    again = booking.call("POST", path, "scheduler", unit="hc-mariehem", json=answers)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "already_evaluated"
    bad = booking.call("POST", path.replace("G0", "G2"), "scheduler", unit="hc-mariehem", json={**answers, "satisfaction": "great"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "satisfaction"
    assert [t for t, _ in booking.outbox()].count("GroupEvaluated") == 1


def test_holding_a_time_at_a_unit_that_does_not_take_the_age_or_level_is_refused(booking, tmp_path) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAA6", age=10)
    bup = booking.slot("bup-umea", 3)
    r = booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAA6", "slot_id": bup["slot_id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "wrong_level"
    teen_only = booking.ref.model_copy(update={"units": tuple(
        u.model_copy(update={"ages": (13, 17)}) if u.unit_id == "hc-teg" else u for u in booking.ref.units)})
    slot = booking.slot("hc-teg", 2)
    import pytest

    from services.booking.store import BookingCase
    from services.booking.use_cases import holds
    from services.chassis.refusal import Refused
    with booking.rt.db.uow() as uow, pytest.raises(Refused) as refused:
        holds.hold(uow, teen_only, uow.session.get(BookingCase, "C-AAAAAAAAAAA6"), slot["slot_id"], booking.clock.now())
    assert refused.value.errors[0]["code"] == "age_not_taken"


def test_an_expected_refusal_is_counted_as_409_not_as_a_client_error(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AAAAAAAAAAM1")
    slot = booking.slot("hc-mariehem", 2)
    for _ in range(2):  # the second hold of the same time is refused: the time is taken
        booking.call("POST", "/api/holds", json={"case_id": "C-AAAAAAAAAAM1", "slot_id": slot["slot_id"]})
    metrics = booking.call("GET", "/metrics").text
    refused = [line for line in metrics.splitlines() if line.startswith("http_requests_total{")
               and 'handler="/api/holds"' in line]
    assert any('status="409"' in line for line in refused), refused
    assert not any('status="4xx"' in line for line in metrics.splitlines()), "409s folded into client errors"
