"""Booking's reads of children are audited per child (waiting list, appointments, changes), and the KC head's
report for one child lists them."""
from __future__ import annotations

from sqlmodel import Session, select

from services.booking.store import BookingCase
from services.booking.use_cases import placement
from services.chassis.tables import AuditRecord


def test_waiting_list_and_appointment_reads_record_each_child_and_the_report_finds_them(booking) -> None:  # type: ignore[no-untyped-def]
    booking.case("C-AUDITBOOKS01")
    appt = booking.book("C-AUDITBOOKS01", booking.slot("hc-teg", 2)["slot_id"]).json()
    for n, municipality in enumerate(("Sorsele", "Sorsele")):
        case = booking.case(f"C-AUDITWAITS0{n}", municipality=municipality)
        with booking.rt.db.uow() as uow:
            placement.place(uow, booking.ref, uow.session.get(BookingCase, case.case_id), booking.clock.now(), None)
            uow.commit()
    listed = booking.call("GET", "/api/waiting-list", "kc_head")
    assert [w["case_id"] for w in listed.json()] == ["C-AUDITWAITS00", "C-AUDITWAITS01"]
    booking.call("GET", "/api/cases/C-AUDITBOOKS01/appointments", "scheduler", unit="hc-teg")
    booking.call("POST", f"/api/appointments/{appt['appointment_id']}/cancel", "unit_head", unit="hc-teg",
                 json={"by": "unit"})
    with Session(booking.rt.db.engine) as s:
        rows = [(a.action, a.case_id, a.patient_ref) for a in s.exec(select(AuditRecord).order_by(AuditRecord.id))]
    ref = "P-" + "A" * 20
    assert ("read-waiting-list", "C-AUDITWAITS00", ref) in rows and ("read-waiting-list", "C-AUDITWAITS01", ref) in rows
    assert ("read-appointments", "C-AUDITBOOKS01", ref) in rows and ("cancel", "C-AUDITBOOKS01", ref) in rows
    assert ("book", "C-AUDITBOOKS01", ref) in rows
    report = booking.call("GET", f"/api/audit/children/{ref}", "kc_head").json()
    assert report["service"] == "booking"
    assert set(report["case_ids"]) == {"C-AUDITWAITS00", "C-AUDITWAITS01", "C-AUDITBOOKS01"}
    assert {"hold", "book", "read-appointments", "cancel", "read-waiting-list"} <= {r["action"] for r in report["records"]}
