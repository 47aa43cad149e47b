"""One live appointment per child: the second confirmation is refused with the time already booked, the
database itself refuses a second live row, and a deliberate re-booking moves the appointment as one fact."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.booking.store import Appointment, Slot


def test_a_second_confirmation_for_the_same_child_is_refused_naming_the_time_already_booked(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-ONELIVE00001")
    first, second = booking.slot("hc-mariehem", 2), booking.slot("hc-teg", 3)
    hold2 = booking.call("POST", "/api/holds", json={"case_id": "C-ONELIVE00001", "slot_id": second["slot_id"]})
    assert booking.book("C-ONELIVE00001", first["slot_id"]).status_code == 201
    r = booking.call("POST", f"/api/holds/{hold2.json()['hold_token']}/confirm", json={})
    assert r.status_code == 409, r.text
    err = r.json()["errors"][0]
    assert err["code"] == "already_booked" and err["field"] == "case_id"
    assert "2026-03-04 09:00" in err["sv"] and "hc-mariehem" in err["en"]
    with Session(booking.rt.db.engine) as s:
        assert len(s.exec(select(Appointment).where(Appointment.case_id == "C-ONELIVE00001")).all()) == 1
        assert s.get(Slot, second["slot_id"]).state != "booked"
    assert [t for t, k in booking.outbox() if k == "C-ONELIVE00001"] == ["AppointmentBooked"]


def test_the_database_refuses_a_second_live_appointment_for_a_case(booking) -> None:  # type: ignore[no-untyped-def]
    now = booking.clock.now()

    def row(aid: str, status: str = "booked") -> Appointment:
        return Appointment(appointment_id=aid, case_id="C-ONELIVE00002", slot_id="T-" + aid, unit_id="hc-teg",
                           level="primary_care", starts_at=now + timedelta(days=1), wait_days=1, booked_at=now,
                           status=status)
    with Session(booking.rt.db.engine) as s:
        s.add_all([row("A-1"), row("A-2", "cancelled"), row("A-3", "replaced")])  # dead ones do not count
        s.commit()
        s.add(row("A-4"))
        with pytest.raises(IntegrityError):
            s.commit()


def test_rebooking_moves_the_appointment_in_one_transaction_as_one_fact(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-ONELIVE00003")
    old_slot, new_slot = booking.slot("hc-mariehem", 2), booking.slot("hc-teg", 4)
    old = booking.book("C-ONELIVE00003", old_slot["slot_id"]).json()
    hold = booking.call("POST", "/api/holds", json={"case_id": "C-ONELIVE00003", "slot_id": new_slot["slot_id"]}).json()
    r = booking.call("POST", f"/api/appointments/{old['appointment_id']}/rebook",
                     json={"hold_token": hold["hold_token"], "slot_id": new_slot["slot_id"]})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["rebooking_of"] == old["appointment_id"] and new["unit_id"] == "hc-teg"
    assert [t for t, k in booking.outbox() if k == "C-ONELIVE00003"] == ["AppointmentBooked", "AppointmentBooked"]
    fact = booking.events("AppointmentBooked")[-1]["payload"]
    assert fact["replaces"] == {"appointment_id": old["appointment_id"], "unit_id": "hc-mariehem",
                                "unit_name": fact["replaces"]["unit_name"], "reason": "rebooked",
                                "starts_at": fact["replaces"]["starts_at"]}
    assert fact["replaces"]["starts_at"].startswith("2026-03-04T")
    with Session(booking.rt.db.engine) as s:
        rows = {a.appointment_id: a for a in s.exec(select(Appointment).where(Appointment.case_id == "C-ONELIVE00003"))}
        assert rows[old["appointment_id"]].status == "replaced"
        assert rows[old["appointment_id"]].replaced_by == new["appointment_id"]
        assert rows[new["appointment_id"]].status == "booked"
        assert s.get(Slot, old_slot["slot_id"]).state == "free"  # the old time is bookable again


def test_rebooking_an_appointment_that_is_not_the_childs_live_one_is_refused_and_changes_nothing(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-ONELIVE00004")
    booking.case("C-ONELIVE00005")
    a, b, c = booking.slot("hc-mariehem", 2), booking.slot("hc-teg", 3), booking.slot("hc-alidhem", 4)
    mine = booking.book("C-ONELIVE00004", a["slot_id"]).json()
    theirs = booking.book("C-ONELIVE00005", b["slot_id"]).json()
    hold = booking.call("POST", "/api/holds", json={"case_id": "C-ONELIVE00004", "slot_id": c["slot_id"]}).json()
    r = booking.call("POST", f"/api/appointments/{theirs['appointment_id']}/rebook", json={"hold_token": hold["hold_token"]})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "not_live"
    unknown = booking.call("POST", "/api/appointments/A-NOPE/rebook", json={"hold_token": hold["hold_token"]})
    assert unknown.status_code == 404
    with Session(booking.rt.db.engine) as s:
        assert s.get(Appointment, mine["appointment_id"]).status == "booked"
        assert s.get(Appointment, theirs["appointment_id"]).status == "booked"
    ok = booking.call("POST", f"/api/appointments/{mine['appointment_id']}/rebook", json={"hold_token": hold["hold_token"]})
    assert ok.status_code == 201, ok.text
    twice = booking.call("POST", f"/api/appointments/{mine['appointment_id']}/rebook", json={"hold_token": hold["hold_token"]})
    assert twice.status_code == 404  # the hold is used: nothing moves twice
