"""Booking under contention on PostgreSQL: many staff at once on few times.

Ours (conditional hold + confirm through the booking service) against a baseline of plain
read-then-insert without a guard, on the same database in the same run. Prints attempts/s,
bookings and double bookings (ours must be 0).

    .venv/bin/python -m bench.booking_contention [--staff 32] [--slots 8] [--rounds 5]
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlmodel import Session, select

from services.booking import service
from services.booking.app import build
from services.booking.reference import load
from services.booking.settings import BookingSettings
from services.booking.store import Appointment, BookingCase, Slot
from services.chassis.clock import FixedClock
from services.chassis.errors import DomainError
from tests.unit.booking.conftest import NOW

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def fresh_db() -> str:
    name = f"kontakt_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_db(name: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(rt, n_slots: int, n_staff: int, round_no: int) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    slots = [f"T-R{round_no}S{i}" for i in range(n_slots)]
    cases = [f"C-R{round_no:02d}N{i:07d}"[:14] for i in range(n_staff)]
    with rt.db.uow() as uow:
        for i, sid in enumerate(slots):
            uow.session.add(Slot(slot_id=sid, unit_id="hc-teg", profession="psychologist", visit_type="new_visit",
                                 starts_at=NOW + timedelta(days=1 + round_no, hours=i),
                                 ends_at=NOW + timedelta(days=1 + round_no, hours=i, minutes=45)))
        for cid in cases:
            uow.session.add(BookingCase(case_id=cid, patient_ref="P-" + "C" * 20, age_years=9, sex="male",
                                        municipality="Umeå", clock_start=NOW, level="primary_care", decided_at=NOW))
        uow.commit()
    return slots, cases


def run_ours(rt, ref, clock, slots: list[str], cases: list[str]) -> int:  # type: ignore[no-untyped-def]
    attempts = Counter[str]()
    lock = threading.Lock()
    barrier = threading.Barrier(len(cases))

    def staff(case_id: str) -> None:
        barrier.wait()
        for sid in slots:
            with lock:
                attempts["n"] += 1
            try:
                with rt.db.uow() as uow:
                    token, _ = service.hold(uow, ref, uow.session.get(BookingCase, case_id), sid, clock.now())
                    uow.commit()
                with rt.db.uow() as uow:
                    service.confirm(uow, ref, token, clock.now(), False)
                    uow.commit()
                return
            except DomainError:
                continue

    threads = [threading.Thread(target=staff, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return attempts["n"]


def run_unguarded(rt, slots: list[str], cases: list[str]) -> int:  # type: ignore[no-untyped-def]
    """The naive way: look whether the slot is free, then insert an appointment."""
    attempts = Counter[str]()
    lock = threading.Lock()
    barrier = threading.Barrier(len(cases))

    def staff(case_id: str) -> None:
        barrier.wait()
        for sid in slots:
            with lock:
                attempts["n"] += 1
            with Session(rt.db.engine) as s:
                taken = s.exec(select(Appointment).where(Appointment.slot_id == sid)).first()
                if taken is not None:
                    continue
                s.add(Appointment(appointment_id="A-" + uuid.uuid4().hex[:10].upper(), case_id=case_id, slot_id=sid,
                                  unit_id="hc-teg", level="primary_care", starts_at=NOW, wait_days=1, booked_at=NOW))
                s.commit()
                return

    threads = [threading.Thread(target=staff, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return attempts["n"]


def count(rt, slots: list[str]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        rows = s.exec(select(Appointment).where(Appointment.slot_id.in_(slots))).all()  # type: ignore[attr-defined]
    per_slot = Counter(a.slot_id for a in rows)
    return len(rows), sum(n - 1 for n in per_slot.values())


def main(n_staff: int, n_slots: int, rounds: int) -> None:
    name = fresh_db()
    try:
        clock = FixedClock(NOW)
        with tempfile.TemporaryDirectory() as tmp:
            rt, _ = build(BookingSettings(database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
                                          data_dir=Path(tmp)), clock=clock)
            rt.migrate()
            ref = load()
            figures = {}
            for label in ("unguarded baseline", "ours"):
                attempts = elapsed = bookings = doubles = 0
                for r in range(rounds):
                    slots, cases = seed(rt, n_slots, n_staff, r + (100 if label == "ours" else 0))
                    t0 = time.perf_counter()
                    attempts += (run_ours(rt, ref, clock, slots, cases) if label == "ours"
                                 else run_unguarded(rt, slots, cases))
                    elapsed += time.perf_counter() - t0
                    b, d = count(rt, slots)
                    bookings, doubles = bookings + b, doubles + d
                figures[label] = (attempts / elapsed, bookings, doubles)
            rt.db.dispose()
    finally:
        drop_db(name)
    print(f"PostgreSQL, {n_staff} staff at once on {n_slots} times, {rounds} rounds")
    for label, (rate, bookings, doubles) in figures.items():
        print(f"{label:<20} {rate:8.0f} attempts/s   bookings {bookings:4d} (times offered {n_slots * rounds})"
              f"   double bookings {doubles}")
    print(f"ratio ours/baseline attempts/s: {figures['ours'][0] / figures['unguarded baseline'][0]:.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=32)
    ap.add_argument("--slots", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    main(a.staff, a.slots, a.rounds)
