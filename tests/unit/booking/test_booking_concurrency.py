"""No double booking: many staff at once on few times, against PostgreSQL; exactly one wins each time."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from services.booking.app import build
from services.booking.domain.reference import load
from services.booking.settings import BookingSettings
from services.booking.store import Appointment, BookingCase, Slot
from services.booking.use_cases import holds
from services.chassis.clock import FixedClock
from services.chassis.refusal import Refused
from tests.unit.booking.conftest import NOW

pytestmark = pytest.mark.postgres


def test_parallel_attempts_on_few_slots_book_each_slot_exactly_once(pg_url: str, tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOW)
    rt, _ = build(BookingSettings(database_url=pg_url, data_dir=tmp_path, auth_jwks_file=issuer.jwks_file), clock=clock)
    rt.migrate()
    ref = load()
    slots = [f"T-S{i}" for i in range(3)]
    with rt.db.uow() as uow:
        for i, sid in enumerate(slots):
            uow.session.add(Slot(slot_id=sid, unit_id="hc-teg", starts_at=NOW + timedelta(days=1, hours=i),
                                 ends_at=NOW + timedelta(days=1, hours=i, minutes=45), profession="psychologist",
                                 visit_type="new_visit"))
        for n in range(24):
            uow.session.add(BookingCase(case_id=f"C-PARALLEL{n:04d}"[:14], patient_ref="P-" + "B" * 20, age_years=9,
                                        sex="male", municipality="Umeå", clock_start=NOW, level="primary_care",
                                        decided_at=NOW))
        uow.commit()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(24)

    def staff_member(n: int) -> None:
        case_id = f"C-PARALLEL{n:04d}"[:14]
        start.wait()
        for sid in slots:  # the one who loses a time gets the next offer
            try:
                with rt.db.uow() as uow:
                    case = uow.session.get(BookingCase, case_id)
                    token, _ = holds.hold(uow, ref, case, sid, clock.now())  # type: ignore[arg-type]
                    uow.commit()
                with rt.db.uow() as uow:
                    holds.confirm(uow, ref, token, clock.now(), False)
                    uow.commit()
                with lock:
                    outcomes["booked"] += 1
                return
            except Refused:
                with lock:
                    outcomes["refused"] += 1

    threads = [threading.Thread(target=staff_member, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with Session(rt.db.engine) as s:
        booked = s.exec(select(Appointment)).all()
    per_slot = Counter(a.slot_id for a in booked)
    print(f"\n[booking-contention] attempts={outcomes['booked'] + outcomes['refused']} "
          f"bookings={len(booked)} double_bookings={sum(n - 1 for n in per_slot.values())}")
    assert len(booked) == 3 == outcomes["booked"]
    assert set(per_slot.values()) == {1}
    assert len({a.case_id for a in booked}) == 3
    rt.db.dispose()


def test_parallel_confirmations_for_the_same_child_leave_exactly_one_live_appointment(pg_url: str, tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]
    """Many staff confirm different held times for the same child at the same moment: one wins per child,
    the rest are refused with the time already booked, and the family is told of one appointment."""
    from services.chassis.tables import OutboxRow

    clock = FixedClock(NOW)
    rt, _ = build(BookingSettings(database_url=pg_url, data_dir=tmp_path, auth_jwks_file=issuer.jwks_file), clock=clock)
    rt.migrate()
    ref = load()
    cases, per_case = 10, 6
    with rt.db.uow() as uow:
        for c in range(cases):
            uow.session.add(BookingCase(case_id=f"C-SAMECHILD{c:03d}", patient_ref="P-" + "C" * 20, age_years=9,
                                        sex="female", municipality="Umeå", clock_start=NOW, level="primary_care",
                                        decided_at=NOW))
            for k in range(per_case):
                uow.session.add(Slot(slot_id=f"T-SC{c:02d}{k:02d}", unit_id="hc-teg",
                                     starts_at=NOW + timedelta(days=1, minutes=60 * c + 5 * k),
                                     ends_at=NOW + timedelta(days=1, minutes=60 * c + 5 * k + 4),
                                     profession="psychologist", visit_type="new_visit"))
        uow.commit()
    tokens: dict[tuple[int, int], str] = {}
    for c in range(cases):
        for k in range(per_case):
            with rt.db.uow() as uow:
                case = uow.session.get(BookingCase, f"C-SAMECHILD{c:03d}")
                tokens[c, k], _ = holds.hold(uow, ref, case, f"T-SC{c:02d}{k:02d}", clock.now())  # type: ignore[arg-type]
                uow.commit()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(cases * per_case)

    def staff_member(c: int, k: int) -> None:
        start.wait()
        try:
            with rt.db.uow() as uow:
                holds.confirm(uow, ref, tokens[c, k], clock.now(), False)
                uow.commit()
            result = "booked"
        except Refused as exc:
            result = exc.errors[0]["code"]
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=staff_member, args=(c, k)) for c in range(cases) for k in range(per_case)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with Session(rt.db.engine) as s:
        live = Counter(a.case_id for a in s.exec(select(Appointment).where(Appointment.status == "booked")).all())
        told = Counter(r.key for r in s.exec(select(OutboxRow).where(OutboxRow.event_type == "AppointmentBooked")).all())
        booked_slots = len(s.exec(select(Slot).where(Slot.state == "booked")).all())
    print(f"\n[one-live-appointment] cases={cases} confirmations={cases * per_case} outcomes={dict(outcomes)} "
          f"live_per_case={sorted(set(live.values()))} booked_events_per_case={sorted(set(told.values()))}")
    assert outcomes["booked"] == cases and outcomes["already_booked"] == cases * (per_case - 1)
    assert len(live) == cases and set(live.values()) == {1}
    assert set(told.values()) == {1} and len(told) == cases
    assert booked_slots == cases  # the refused confirmations left their times unbooked
    rt.db.dispose()


def test_a_hold_on_a_time_another_transaction_is_taking_is_refused_at_once_not_after_it(pg_url: str, tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]
    """A staff member whose time is being held by someone else's still-open transaction gets 409 slot_taken
    at once (the row lock is skipped, not waited for); when that transaction rolls back, the time is free."""
    clock = FixedClock(NOW)
    rt, _ = build(BookingSettings(database_url=pg_url, data_dir=tmp_path, auth_jwks_file=issuer.jwks_file), clock=clock)
    rt.migrate()
    ref = load()
    with rt.db.uow() as uow:
        uow.session.add(Slot(slot_id="T-SKIP1", unit_id="hc-teg", starts_at=NOW + timedelta(days=1),
                             ends_at=NOW + timedelta(days=1, minutes=45), profession="psychologist",
                             visit_type="new_visit"))
        for case_id in ("C-SKIPLOCKED01", "C-SKIPLOCKED02"):
            uow.session.add(BookingCase(case_id=case_id, patient_ref="P-" + "D" * 20, age_years=9, sex="male",
                                        municipality="Umeå", clock_start=NOW, level="primary_care", decided_at=NOW))
        uow.commit()
    outcome: list[str] = []

    def second_staff_member() -> None:
        try:
            with rt.db.uow() as uow:
                case, _ = holds.case_and_slot(uow, "C-SKIPLOCKED02", "T-SKIP1")
                holds.hold(uow, ref, case, "T-SKIP1", clock.now())
                uow.commit()
            outcome.append("held")
        except Refused as exc:
            outcome.append(exc.errors[0]["code"])

    with rt.db.uow() as first:  # holds the time and keeps its transaction open
        case, _ = holds.case_and_slot(first, "C-SKIPLOCKED01", "T-SKIP1")
        holds.hold(first, ref, case, "T-SKIP1", clock.now())
        other = threading.Thread(target=second_staff_member)
        other.start()
        other.join(10)
        finished_while_open = not other.is_alive()
    other.join(10)  # the first transaction rolled back on leaving the block
    assert finished_while_open and outcome == ["slot_taken"]
    with rt.db.uow() as uow:
        case, slot = holds.case_and_slot(uow, "C-SKIPLOCKED02", "T-SKIP1")
        assert slot is not None and slot.state == "free"  # the refused attempt wrote nothing
        holds.hold(uow, ref, case, "T-SKIP1", clock.now())
        uow.commit()
    rt.db.dispose()
