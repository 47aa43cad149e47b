"""Booking under contention on PostgreSQL: many staff at once on few times.

Ours (a staff member's hold + confirm through the booking service's own functions, the ones the HTTP
routes call: case check, conditional hold, confirmation with the case lock, audit rows, outbox event)
against a baseline of plain read-then-insert without a guard, on the same database in the same run.
Prints attempts/s, the client process's CPU per attempt, bookings and double bookings (ours must be 0),
and checks that every booking of ours left its audit rows and its AppointmentBooked in the outbox.

    .venv/bin/python -m bench.booking_contention [--staff 32] [--slots 8] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlmodel import Session, select

from services.booking.api.booking import book_held, hold_time
from services.booking.app import build
from services.booking.domain.reference import load
from services.booking.settings import BookingSettings
from services.booking.store import Appointment, BookingCase, Slot
from services.chassis.auth import Staff
from services.chassis.clock import FixedClock
from services.chassis.refusal import Refused
from services.chassis.tables import AuditRecord, OutboxRow
from tests.unit.booking.conftest import NOW

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LABELS = ("unguarded baseline", "ours")


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
    cases = [f"C-R{round_no:03d}N{i:07d}" for i in range(n_staff)]  # the case id form events require
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


def together(staff, args: list[tuple]) -> None:  # type: ignore[no-untyped-def, type-arg]
    """One thread per staff member; any error other than a refusal stops the bench (no figure from a broken run)."""
    errors: list[BaseException] = []

    def run(*a: object) -> None:
        try:
            staff(*a)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=a) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(args)} staff threads failed, e.g. {errors[0]!r}") from errors[0]


def run_ours(rt, ref, slots: list[str], cases: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Each staff member takes the offers in order; a refused hold (409 slot_taken) moves to the next."""
    attempts = Counter[str]()
    lock = threading.Lock()
    barrier = threading.Barrier(len(cases))

    def staff(n: int, case_id: str) -> None:
        me = Staff(subject=f"S-BENCH{n:03d}", role="call_handler", unit=None, licensed=False)
        barrier.wait()
        for sid in slots:
            with lock:
                attempts["n"] += 1
            try:
                held = hold_time(rt, ref, me, case_id, sid)
                book_held(rt, ref, me, held["hold_token"], False, sid)
                return
            except Refused as exc:
                assert exc.status == 409, exc.errors
                continue

    together(staff, list(enumerate(cases)))
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

    together(staff, [(c,) for c in cases])
    return attempts["n"]


def count(rt, slots: list[str]) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        rows = s.exec(select(Appointment).where(Appointment.slot_id.in_(slots))).all()  # type: ignore[attr-defined]
    per_slot = Counter(a.slot_id for a in rows)
    return len(rows), sum(n - 1 for n in per_slot.values())


def trail(rt) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Audit rows of holds and bookings, and AppointmentBooked events in the outbox."""
    with Session(rt.db.engine) as s:
        actions = Counter(s.exec(select(AuditRecord.action)).all())
        events = len(s.exec(select(OutboxRow.id).where(OutboxRow.event_type == "AppointmentBooked")).all())
    return actions["hold"], actions["book"], events


def main(n_staff: int, n_slots: int, rounds: int) -> None:
    name = fresh_db()
    rt = None
    try:
        clock = FixedClock(NOW)
        with tempfile.TemporaryDirectory() as tmp:
            rt, _ = build(BookingSettings(database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
                                          data_dir=Path(tmp)), clock=clock)
            rt.migrate()
            ref = load()
            totals = {label: [0, 0.0, 0.0, 0, 0] for label in LABELS}  # attempts, seconds, CPU s, bookings, doubles
            load_before = os.getloadavg()
            for r in range(rounds):  # the two take turns round by round, so a change in the machine's load hits both
                for label in LABELS:
                    slots, cases = seed(rt, n_slots, n_staff, r + (100 if label == "ours" else 0))
                    t0, c0 = time.perf_counter(), time.process_time()
                    n = run_ours(rt, ref, slots, cases) if label == "ours" else run_unguarded(rt, slots, cases)
                    t, c = time.perf_counter() - t0, time.process_time() - c0
                    b, d = count(rt, slots)
                    for i, v in enumerate((n, t, c, b, d)):
                        totals[label][i] += v
            figures = {label: (a / t, 1000 * c / a, b, d) for label, (a, t, c, b, d) in totals.items()}
            holds, books, events = trail(rt)
    finally:
        if rt is not None:
            rt.db.dispose()  # the pool's connections go back before the database is dropped, also after a failure
        drop_db(name)
    print(f"PostgreSQL, {n_staff} staff at once on {n_slots} times, {rounds} rounds; "
          f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)")
    for label, (rate, cpu_ms, bookings, doubles) in figures.items():
        print(f"{label:<20} {rate:8.0f} attempts/s  {cpu_ms:5.2f} ms CPU/attempt   bookings {bookings:4d} "
              f"(times offered {n_slots * rounds})   double bookings {doubles}")
    print(f"ours: audit rows hold {holds}, book {books}; AppointmentBooked in the outbox {events}")
    print(f"ratio ours/baseline attempts/s: {figures['ours'][0] / figures['unguarded baseline'][0]:.2f}")
    ours = figures["ours"]
    assert ours[3] == 0 and holds == books == events == ours[2], "ours double-booked or lost an audit row or event"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--staff", type=int, default=32)
    ap.add_argument("--slots", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    main(a.staff, a.slots, a.rounds)
