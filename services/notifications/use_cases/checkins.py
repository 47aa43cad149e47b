"""Check-ins with waiting families: planned when a wait starts (the waiting list, BUP), called off when it ends,
answered through the personal link (worse, a risk or "no longer needed" goes to staff; a risk the usual way, to
the clinician on duty), and read by staff (audited, the family's words opened only then)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.booking import AppointmentBooked, NoBookableSlots
from contracts.common import SealedContact
from contracts.envelope import Event
from contracts.intake import CaseClosed
from contracts.notifications import CheckInAnswered, CheckInAnsweredPayload, WaitKind
from contracts.triage import CareLevelDecided, RiskEscalatedPayload
from services.chassis.audit import AuditTrail
from services.chassis.auth import Staff
from services.chassis.db import Database, UnitOfWork
from services.chassis.privacy import ContactShredded
from services.chassis.refusal import Refusal, Refused
from services.notifications import store
from services.notifications.deps import Deps
from services.notifications.domain import checkins as rule
from services.notifications.domain.planning import notification_id, plan_risk
from services.notifications.forms import CheckinAnswers
from services.notifications.store import CheckinRow, FamilyContact
from services.notifications.use_cases.deliveries import plan as plan_deliveries

GONE = Refusal("token", "not_found", "Länken finns inte. Ring 1177 och välj 2 om du vill prata med oss.",
               "The link does not exist. Call 1177 and choose 2 to talk with us.", 404)
EXPIRED = Refusal("token", "expired", "Länken har slutat gälla. Ring 1177 och välj 2 om du vill prata med oss.",
                  "The link has expired. Call 1177 and choose 2 to talk with us.", 410)
ANSWERED = Refusal("token", "answered", "Du har redan svarat. Tack! Ring 1177 och välj 2 om något har ändrats.",
                   "You have answered already. Thank you! Call 1177 and choose 2 if something has changed.", 409)


def _quiet(deps: Deps) -> tuple[Any, Any]:
    return deps.policy.quiet_hours.start, deps.policy.quiet_hours.end


def _start(s: Session, ev: Event[Any], wait: WaitKind, since: datetime, deps: Deps) -> None:
    now = deps.clock.now()
    for identity, planned in rule.plan_check_ins(ev.case_id or "", wait, since, now, deps.checkins, _quiet(deps)):
        nid = notification_id(identity, planned.recipient_ref, planned.template)
        if s.get(CheckinRow, nid) is None:
            s.add(CheckinRow(notification_id=nid, case_id=ev.case_id or "", wait=wait, due_at=planned.due_at,
                             token_hash=rule.token_hash(rule.link_token(deps.checkin_secret, nid)),
                             expires_at=rule.expires(planned.due_at, deps.checkins)))
        plan_deliveries(s, [planned], case_id=ev.case_id, trigger_event_id=str(ev.event_id),
                        trigger_type=ev.event_type, now=now, id_source=identity)


def _call_off(s: Session, case_id: str | None, waits: tuple[str, ...]) -> None:
    for row in store.pending_of_case(s, case_id or "", rule.TEMPLATE):
        if row.context.get("wait") in waits:
            row.status = "cancelled"
            s.add(row)


def waiting_list(ev: NoBookableSlots, uow: UnitOfWork, deps: Deps) -> None:
    """No time within the promise: the family waits on the list; check-ins on the policy's days."""
    _start(uow.session, ev, "waiting_list", ev.payload.searched_from, deps)


def bup_decided(ev: CareLevelDecided, uow: UnitOfWork, deps: Deps) -> None:
    """BUP decided: one check-in before the wait passes the promise's day, unless a visit comes first."""
    if ev.payload.level == "bup":
        _start(uow.session, ev, "bup", ev.payload.decided_at, deps)


def booked(ev: AppointmentBooked, uow: UnitOfWork, deps: Deps) -> None:
    """A time: off the waiting list; a BUP visit before the promise's day makes its check-in unneeded."""
    p = ev.payload
    waits = ("waiting_list", "bup") if p.level == "bup" and rule.bup_visit_in_time(p.decided_at, p.starts_at,
                                                                                    deps.checkins) else ("waiting_list",)
    _call_off(uow.session, ev.case_id, waits)


def closed(ev: CaseClosed, uow: UnitOfWork, deps: Deps) -> None:
    _call_off(uow.session, ev.case_id, ("waiting_list", "bup"))


def link(deps: Deps, nid: str) -> str:
    """The personal link a check-in's message carries (made when the message is written, never stored)."""
    return deps.checkin_link.rstrip("/") + "/" + rule.link_token(deps.checkin_secret, nid)


def _valid(s: Session, token: str, now: datetime) -> CheckinRow:
    row = store.checkin_by_token(s, rule.token_hash(token)) if 8 <= len(token) <= 40 else None
    if row is None:
        raise Refused(GONE)
    if row.answered_at is not None:
        raise Refused(ANSWERED)
    if now > row.expires_at:
        raise Refused(EXPIRED)
    return row


def open_link(db: Database, token: str, now: datetime) -> dict[str, Any]:
    """What the family's page needs: that the link works, and until when (nothing about the child)."""
    with Session(db.engine) as s:
        row = _valid(s, token, now)
    return {"valid": True, "expires_at": row.expires_at.isoformat(), "wait": row.wait}


def answer(db: Database, deps: Deps, token: str, body: CheckinAnswers) -> dict[str, Any]:
    """Record the answers once; publish them for the case (intake puts worse and risk on today's call list); a
    risk raises the usual escalation. Nothing else changes: staff decide."""
    now = deps.clock.now()
    with db.uow() as uow:
        s = uow.session
        row = _valid(s, token, now)
        contact = s.get(FamilyContact, row.case_id)
        worry = deps.vault.seal(contact.patient_ref, {"worry": body.worry}) if body.worry and contact else None
        row.answered_at, row.answers = now, {"how": body.how, "still_wanted": body.still_wanted, "risk": body.risk}
        row.worry = worry.model_dump_json() if worry else None
        s.add(row)
        ev = CheckInAnswered.new(case_id=row.case_id, occurred_at=now, payload=CheckInAnsweredPayload(
            checkin_id=row.notification_id, wait=row.wait, how=body.how, still_wanted=body.still_wanted,
            risk=body.risk, worry=worry, answered_at=now))
        uow.publish(ev)
        if body.risk:  # the usual escalation: the clinician on duty, at once, whatever the hour
            plan_deliveries(s, plan_risk(row.case_id, _risk(now), now, deps.directory), case_id=row.case_id,
                            trigger_event_id=str(ev.event_id), trigger_type=ev.event_type, now=now)
            store.add_stream_event(s, source_key=f"RiskEscalated:checkin:{row.notification_id}", kind="RiskEscalated",
                                   at=now, case_id=row.case_id, units=[],
                                   data={"severity": "acute", "raised_at": now.isoformat()},
                                   restricted={"items": ["check_in_risk_question"]})
        uow.commit()
    return {"answered": True, "risk": body.risk}


def _risk(now: datetime) -> RiskEscalatedPayload:
    """The check-in's risk answer in the shape of the interview's risk alert: the same message, the same person."""
    return RiskEscalatedPayload(interview_id="check-in", items=["check_in_risk_question"], severity="acute",
                                raised_at=now, by_staff_ref="family")


def _words(deps: Deps, sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return str(deps.vault.open(SealedContact.model_validate_json(sealed))["worry"])
    except ContactShredded:
        return None  # the family's key is gone: so are their words


def for_case(db: Database, deps: Deps, audit: AuditTrail, case_id: str, staff: Staff) -> list[dict[str, Any]]:
    """A case's check-ins with the answers, the family's words opened for staff (an audited read)."""
    with Session(db.engine) as s:
        rows = store.checkins_of(s, case_id)
        ref = store.patient_ref(s, case_id)
    audit.record(staff, "read-checkins", case_id=case_id, patient_ref=ref, detail=f"{len(rows)} check-ins")
    return [{"checkin_id": r.notification_id, "wait": r.wait, "due_at": r.due_at.isoformat(),
             "answered_at": r.answered_at.isoformat() if r.answered_at else None, **r.answers,
             "worry": _words(deps, r.worry)} for r in rows]
