"""Any way in becomes a case: a pseudonymised contact is decided on and stored with its events in one go."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contracts.common import ContactDetails, LanguageNeed, SealedContact
from contracts.envelope import Event, new_case_id
from services.chassis.auth import Staff
from services.chassis.privacy import patient_ref
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local_day
from services.intake.domain.cases import Actor, Contact, OpenCase, Outcome, as_role, take_in
from services.intake.domain.child import Child, assess_child, resolve_municipality
from services.intake.domain.identity import Identity, parse_identity
from services.intake.domain.language import language_need
from services.intake.forms import ChildIn, ContactIn, ReplyIn
from services.intake.store.queries import add_unless_stored, insert_plain, move_clock_earlier, open_case_of
from services.intake.store.tables import CaseRow, ContactRow, IntakeBase, OpenCaseRow
from services.intake.use_cases.idempotency import Answer, remember, replay

# adds what depends on the case id to the same transaction; may return more events to publish with the case's
After = Callable[[Session, Outcome], list[Event] | None]


def actor_of(staff: Staff) -> Actor:
    return Actor(role=as_role(staff.role), staff_ref=staff.subject, licensed=staff.licensed)


def today(deps: Deps) -> date:
    return local_day(deps.clock.now())


def not_future(deps: Deps, day: date, field: str) -> None:
    if day > today(deps):
        raise Refused(Refusal(field, "future", "Datumet ligger i framtiden.", "The date is in the future."))


def child(deps: Deps, child_in: ChildIn, contact_day: date, field: str = "child") -> tuple[str, Child]:
    """Identity number -> pseudonym, age, sex; residence -> municipality; every refusal reported at once."""
    refusals: list[Refusal] = []
    identity: Identity | None = None
    municipality: str | None = None
    try:
        identity = parse_identity(child_in.identity_number, contact_day, f"{field}.identity_number")
    except Refused as exc:
        refusals += exc.refusals
    try:
        municipality = resolve_municipality(child_in.municipality, deps.rules, f"{field}.municipality")
    except Refused as exc:
        refusals += exc.refusals
    if refusals:
        raise Refused(*refusals)
    assert identity is not None and municipality is not None
    assessed = assess_child(identity, municipality, contact_day, deps.rules, field)
    return patient_ref(identity.number, deps.pseudonym_key), assessed


def language_of(deps: Deps, code: str | None, interpreter: bool, field: str = "") -> LanguageNeed | None:
    """The family's language as a contact told it, checked against the language list."""
    return language_need(code, interpreter, deps.languages, field)


def reply_details(reply: ReplyIn | None = None, name: str | None = None, email: str | None = None) -> ContactDetails | None:
    """A referrer's reply details in the shape of a contact (so notifications opens them like a family's): a paper
    referrer's postal address (by letter), a school sender's work e-mail."""
    if reply is not None:
        return ContactDetails(name=reply.name, address=reply.address, preferred_channel="digital_letter")
    if email:
        return ContactDetails(name=name, email=email, preferred_channel="email")
    return None


def seal(deps: Deps, ref: str, contact: ContactDetails | ContactIn | None) -> SealedContact | None:
    if contact is None:
        return None
    try:
        return deps.vault.seal(ref, contact.model_dump())
    except IntegrityError:  # a concurrent contact for the same child created the person's key first
        return deps.vault.seal(ref, contact.model_dump())


def submit(deps: Deps, contact: Contact, staff: Staff, key: str | None, req_hash: str,
           extra: dict[str, Any] | None = None, rows: tuple[IntakeBase, ...] = (),
           after: After | None = None) -> Answer:
    """Store the decision, `rows` and the events atomically; (answer, replayed). A lost race is retried.

    The first attempt does not look the idempotency key up (one round trip less): nearly every submission
    is new, and a key already used makes its row's insert fail at commit, which rolls the whole attempt
    back (nothing of it remains) and retries with the look-up, which answers with the stored result. A
    first attempt refused for another reason is retried with the look-up too, so a resend still gets
    the stored answer (or the idempotency conflict) before any other refusal."""
    for attempt in range(3):
        try:
            return _submit_once(deps, contact, staff, key, req_hash, extra or {}, rows, after,
                                look_up_key=attempt > 0)
        except IntegrityError:
            if attempt == 2:
                raise
        except Exception:
            if attempt > 0 or not key:
                raise
    raise AssertionError("unreachable")


def _submit_once(deps: Deps, contact: Contact, staff: Staff, key: str | None, req_hash: str, extra: dict[str, Any],
                 rows: tuple[IntakeBase, ...], after: After | None, look_up_key: bool) -> Answer:
    now = deps.clock.now()
    with deps.db.uow() as uow:
        s = uow.session
        stored = replay(s, key, req_hash) if look_up_key else None
        if stored is not None:
            return stored, True
        row = open_case_of(s, contact.patient_ref)
        if row is not None:
            move_clock_earlier(s, row, contact.clock_start)
        open_case = OpenCase(row.case_id, row.clock_start) if row else None
        outcome = take_in(contact, open_case, actor_of(staff), new_case_id(), now, deps.rules)
        _apply(s, contact, outcome, row, now)
        for extra_row in rows:  # e.g. the scan's document row; a re-used scan keeps its first row
            add_unless_stored(s, extra_row)
        more = after(s, outcome) if after is not None else None
        uow.publish(*outcome.events, *(more or []))
        answer = {"case_id": outcome.case_id, "case_reference": outcome.case_id, "status": outcome.status,
                  "clock_start": outcome.clock_start.isoformat(), "external_ref": contact.external_ref, **extra}
        remember(s, key, req_hash, outcome.case_id, answer, now)
        deps.audit.within(s, staff, f"take-in-{contact.channel}", case_id=outcome.case_id,
                          patient_ref=contact.patient_ref, detail=outcome.status)
        uow.commit()
        return answer, False


def _apply(s: Session, c: Contact, outcome: Outcome, row: CaseRow | None, now: datetime) -> None:
    """The case (new or linked) and the contact, the new rows as plain INSERTs."""
    if row is not None:  # linked: the earliest clock start wins; the newest contact details are kept
        row.clock_start = outcome.clock_start
        if c.contact is not None:
            row.sealed_contact = c.contact.model_dump()
        if c.language is not None:  # the latest contact that told the family's language is the newest word
            row.language, row.interpreter_needed = c.language.language, c.language.interpreter_needed
        s.add(row)
    else:
        closed = outcome.status == "signposted"
        insert_plain(s, CaseRow, case_id=outcome.case_id, patient_ref=c.patient_ref,
                     status="closed" if closed else "open", channel=c.channel, source=c.source,
                     clock_start=c.clock_start, received_at=c.received_at, opened_at=now, age_years=c.child.age_years,
                     sex=c.child.sex, municipality=c.child.municipality, triage_hint=c.child.triage_hint,
                     closed_at=now if closed else None, closed_reason="signposted" if closed else None,
                     sealed_contact=c.contact.model_dump() if c.contact else None,
                     language=c.language.language if c.language else None,
                     interpreter_needed=c.language.interpreter_needed if c.language else False)
        if not closed:
            insert_plain(s, OpenCaseRow, patient_ref=c.patient_ref, case_id=outcome.case_id)
    paper = c.paper
    insert_plain(s, ContactRow, case_id=outcome.case_id, channel=c.channel, source=c.source,
                 clock_start=c.clock_start, received_at=c.received_at, linked=row is not None,
                 external_ref=c.external_ref, call_id=c.call_id,
                 document_sha256=paper.document_sha256 if paper else None,
                 date_written=paper.date_written if paper else None,
                 date_arrived=paper.date_arrived if paper else None, recorded_at=now)
