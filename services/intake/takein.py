"""Service layer for the ways in: build a pseudonymised contact, decide, store it with its events in one go."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, inspect, update
from sqlalchemy.exc import IntegrityError

from contracts.common import ContactDetails, SealedContact
from contracts.envelope import new_case_id
from services.chassis.auth import Staff
from services.chassis.privacy import KeyVault, patient_ref
from services.chassis.runtime import ServiceRuntime
from services.intake.domain.calendar import local_day
from services.intake.domain.cases import Actor, Contact, OpenCase, Outcome, take_in
from services.intake.domain.child import Child, assess_child, resolve_municipality
from services.intake.domain.identity import parse_identity
from services.intake.domain.problems import Invalid, problem
from services.intake.forms import ChildIn, ContactIn
from services.intake.idempotency import remember, replay
from services.intake.rules import IntakeRules
from services.intake.store import CaseRow, ContactRow, OpenCaseRow, open_case_of


def actor_of(staff: Staff) -> Actor:
    return Actor(role=staff.role, staff_ref=staff.subject, licensed=staff.licensed)


@dataclass
class TakeIn:
    """Turns validated contacts into cases. Shared by every channel's route."""

    rt: ServiceRuntime
    rules: IntakeRules
    vault: KeyVault

    def today(self) -> date:
        return local_day(self.rt.clock.now())

    def not_future(self, day: date, field: str) -> None:
        if day > self.today():
            raise Invalid([problem(field, "Datumet ligger i framtiden.", "The date is in the future.", "future")])

    def child(self, child_in: ChildIn, contact_day: date, field: str = "child") -> tuple[str, Child]:
        """Identity number -> pseudonym, age, sex; residence -> municipality; every problem reported at once."""
        problems: list[dict[str, str]] = []
        identity = municipality = None
        try:
            identity = parse_identity(child_in.identity_number, contact_day, f"{field}.identity_number")
        except Invalid as exc:
            problems += exc.problems
        try:
            municipality = resolve_municipality(child_in.municipality, self.rules, f"{field}.municipality")
        except Invalid as exc:
            problems += exc.problems
        if problems or identity is None or municipality is None:
            raise Invalid(problems)
        child = assess_child(identity, municipality, contact_day, self.rules, field)
        return patient_ref(identity.number, self.rt.settings.pseudonym_key), child

    def seal(self, ref: str, contact: ContactDetails | ContactIn | None) -> SealedContact | None:
        if contact is None:
            return None
        try:
            return self.vault.seal(ref, contact.model_dump())
        except IntegrityError:  # a concurrent contact for the same child created the person's key first
            return self.vault.seal(ref, contact.model_dump())

    def submit(self, contact: Contact, staff: Staff, key: str | None, req_hash: str,
               extra: dict[str, Any] | None = None, rows: tuple[Any, ...] = (),
               after: Callable[[Any, Outcome], None] | None = None) -> tuple[dict[str, Any], bool]:
        """Store the decision, `rows` and the events atomically; (answer, replayed). A lost race is retried.
        `after(session, outcome)` adds what depends on the case id to the same transaction.

        The first attempt does not look the idempotency key up (one round trip less): nearly every submission
        is new, and a key already used makes its row's insert fail at commit, which rolls the whole attempt
        back (nothing of it remains) and retries with the look-up, which answers with the stored result. A
        first attempt refused for another reason is retried with the look-up too, so a resend still gets
        the stored answer (or the idempotency conflict) before any other refusal."""
        for attempt in range(3):
            try:
                return self._submit_once(contact, staff, key, req_hash, extra or {}, rows, after,
                                         look_up_key=attempt > 0)
            except IntegrityError:
                if attempt == 2:
                    raise
            except Exception:
                if attempt > 0 or not key:
                    raise
        raise AssertionError("unreachable")

    def _submit_once(self, contact: Contact, staff: Staff, key: str | None, req_hash: str,
                     extra: dict[str, Any], rows: tuple[Any, ...],
                     after: Callable[[Any, Outcome], None] | None = None,
                     look_up_key: bool = True) -> tuple[dict[str, Any], bool]:
        now = self.rt.clock.now()
        with self.rt.db.uow() as uow:
            s = uow.session
            stored = replay(s, key, req_hash) if look_up_key else None
            if stored is not None:
                return stored, True
            row = open_case_of(s, contact.patient_ref)
            if row is not None:
                self._lock_and_move_clock(s, row, contact.clock_start)
            open_case = OpenCase(row.case_id, row.clock_start) if row else None
            outcome = take_in(contact, open_case, actor_of(staff), new_case_id(), now, self.rules)
            self._apply(s, contact, outcome, row, now)
            for extra_row in rows:  # e.g. the scan's document row; a re-used scan keeps its first row
                if s.get(type(extra_row), inspect(type(extra_row)).primary_key_from_instance(extra_row)) is None:
                    s.add(extra_row)
            if after is not None:
                after(s, outcome)
            uow.publish(*outcome.events)
            answer = {"case_id": outcome.case_id, "case_reference": outcome.case_id, "status": outcome.status,
                      "clock_start": outcome.clock_start.isoformat(), "external_ref": contact.external_ref, **extra}
            remember(s, key, req_hash, outcome.case_id, answer, now)
            self.rt.audit.within(s, staff, f"take-in-{contact.channel}", case_id=outcome.case_id,
                                 patient_ref=contact.patient_ref, detail=outcome.status)
            uow.commit()
            return answer, False

    @staticmethod
    def _lock_and_move_clock(s: Any, row: CaseRow, clock_start: datetime) -> None:
        """Earliest wins, atomically: the conditional UPDATE takes the write lock (SQLite has no FOR UPDATE),
        so the re-read value is current and two concurrent links cannot lose the earlier clock start."""
        s.execute(update(CaseRow).where(CaseRow.case_id == row.case_id, CaseRow.clock_start > clock_start)
                  .values(clock_start=clock_start))
        s.refresh(row)

    def _apply(self, s: Any, c: Contact, outcome: Outcome, row: CaseRow | None, now: datetime) -> None:
        """The case (new or linked) and the contact. New rows are plain INSERTs in the session's transaction:
        nothing reads them back in it, and the ORM's unit of work was the largest cost of a referral."""
        if row is not None:  # linked: the earliest clock start wins; the newest contact details are kept
            row.clock_start = outcome.clock_start
            if c.contact is not None:
                row.sealed_contact = c.contact.model_dump()
            s.add(row)
        else:
            closed = outcome.status == "signposted"
            s.execute(insert(CaseRow.__table__).values(  # type: ignore[attr-defined]
                case_id=outcome.case_id, patient_ref=c.patient_ref, status="closed" if closed else "open",
                channel=c.channel, source=c.source, clock_start=c.clock_start, received_at=c.received_at,
                opened_at=now, age_years=c.child.age_years, sex=c.child.sex, municipality=c.child.municipality,
                triage_hint=c.child.triage_hint, closed_at=now if closed else None,
                closed_reason="signposted" if closed else None,
                sealed_contact=c.contact.model_dump() if c.contact else None))
            if not closed:
                s.execute(insert(OpenCaseRow.__table__).values(  # type: ignore[attr-defined]
                    patient_ref=c.patient_ref, case_id=outcome.case_id))
        paper = c.paper
        s.execute(insert(ContactRow.__table__).values(  # type: ignore[attr-defined]
            case_id=outcome.case_id, channel=c.channel, source=c.source, clock_start=c.clock_start,
            received_at=c.received_at, linked=row is not None, external_ref=c.external_ref, call_id=c.call_id,
            document_sha256=paper.document_sha256 if paper else None,
            date_written=paper.date_written if paper else None,
            date_arrived=paper.date_arrived if paper else None, recorded_at=now))
