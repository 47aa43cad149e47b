"""Applying one incoming event in the consumer's transaction: remember the contact, plan messages, stream it."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.booking import AppointmentBooked, AppointmentCancelled, GroupSeatBooked, NoBookableSlots, SlotRunwayShort
from contracts.callbacks import CallbackFailed, CallbackPromised
from contracts.common import SealedContact
from contracts.envelope import Event
from contracts.intake import CaseLinked, ReferralReceived
from contracts.kpi import DeviationTagged, GuaranteeAtRisk
from contracts.triage import RiskEscalated
from services.chassis.db import UnitOfWork
from services.notifications import store
from services.notifications.deps import Deps
from services.notifications.domain import planning as plan
from services.notifications.store import Appointment, FamilyContact
from services.notifications.use_cases.deliveries import plan as plan_deliveries

log = logging.getLogger("kontakt.notifications.events")


def _plan(s: Session, ev: Event[Any], plans: list[plan.Planned], now: datetime) -> None:
    # the notification id comes from the fact (appointment, rule and case, ...), not the event id: the same
    # fact published again under a new event id finds its messages already planned
    plan_deliveries(s, plans, case_id=ev.case_id, trigger_event_id=str(ev.event_id), trigger_type=ev.event_type,
                    now=now, id_source=plan.fact_key(ev))


def _stream(s: Session, ev: Event[Any], kind: str, units: list[str | None], data: dict[str, Any],
            restricted: dict[str, Any] | None = None) -> None:
    store.add_stream_event(s, source_key=f"{kind}:{plan.fact_digest(ev)}", kind=kind, at=ev.occurred_at,
                           case_id=ev.case_id, units=[u for u in units if u], data=data, restricted=restricted)


def _case_of(ev: Event[Any]) -> str:
    if ev.case_id is None:  # the table's key: such an event is retried and then dead-lettered, never kept
        raise ValueError(f"{ev.event_type} without a case id")
    return ev.case_id


# -- families ------------------------------------------------------------------------------------------------

def remember_contact(ev: ReferralReceived, uow: UnitOfWork, deps: Deps) -> None:
    """Keep the contact sealed as it came; it is opened only when a message is sent."""
    p, s, now = ev.payload, uow.session, deps.clock.now()
    case_id = _case_of(ev)
    row = s.get(FamilyContact, case_id) or FamilyContact(case_id=case_id, patient_ref=p.child.patient_ref,
                                                         updated_at=now)
    row.sealed = p.contact.model_dump_json() if p.contact is not None else None
    row.language = p.language.language if p.language is not None else None
    row.updated_at = now
    s.add(row)
    _stream(s, ev, "CaseOpened", [], {"channel": p.channel, "source": p.source})


def remember_language(ev: CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    """A later contact told the family's language: messages from now on use it."""
    row = uow.session.get(FamilyContact, _case_of(ev))
    if row is not None and ev.payload.language is not None:
        row.language, row.updated_at = ev.payload.language.language, deps.clock.now()
        uow.session.add(row)


def appointment_booked(ev: AppointmentBooked, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    ctx = plan.appointment_context(p)
    family_knew_old = True
    if p.rebooking_of and s.get(Appointment, p.appointment_id) is None:
        # one fact: the old time's unsent messages are called off and the family hears once
        family_knew_old = not _call_off(s, p.rebooking_of, replaced_by=p.appointment_id)
    if s.get(Appointment, p.appointment_id) is None:
        s.add(Appointment(appointment_id=p.appointment_id, case_id=_case_of(ev), booked_event_id=str(ev.event_id),
                          context=ctx))
    _plan(s, ev, plan.plan_booked(p, now, deps.policy, family_knew_old=family_knew_old), now)
    _stream(s, ev, "AppointmentBooked", [p.unit_id], {
        "appointment_id": p.appointment_id, "unit_id": p.unit_id, "unit_name": p.unit_name,
        "starts_at": p.starts_at.isoformat(), "digital": p.digital, "level": p.level, "visit_type": p.visit_type})


def appointment_cancelled(ev: AppointmentCancelled, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    appt = s.get(Appointment, p.appointment_id)
    replaced = appt is not None and appt.replaced_by is not None
    already = appt is not None and appt.cancelled  # the same cancellation again, under another event id
    unsent_confirmation = _call_off(s, p.appointment_id)
    # a family told nothing yet, or told of the new time by a change message, needs no cancellation
    if not replaced and not unsent_confirmation and not already:
        ctx = appt.context if appt else {"unit_name": p.unit_id, "unit_address": None, "video_link": None,
                                         "starts_at": None, "digital": False}
        _plan(s, ev, plan.plan_cancelled(ctx, now, deps.policy), now)
    _stream(s, ev, "AppointmentCancelled", [p.unit_id],
            {"appointment_id": p.appointment_id, "by": p.by, "reason": p.reason})


def _call_off(s: Session, appointment_id: str, replaced_by: str | None = None) -> bool:
    """Cancel the unsent messages of a booking; True if its confirmation had not gone out yet."""
    appt = s.get(Appointment, appointment_id)
    if appt is None:
        return False
    if replaced_by is None:
        appt.cancelled = True
    else:
        appt.replaced_by = replaced_by
    s.add(appt)
    pending = store.pending_of_trigger(s, appt.booked_event_id)
    for row in pending:
        row.status = "cancelled"
        s.add(row)
    return any(r.template in ("appointment_confirmation", "appointment_changed") for r in pending)


def group_seat_booked(ev: GroupSeatBooked, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _plan(s, ev, plan.plan_group_seat(p, now, deps.policy), now)
    _stream(s, ev, "GroupSeatBooked", [p.unit_id], {"group_id": p.group_id, "unit_name": p.unit_name,
                                                    "starts_on": p.starts_on.isoformat(), "digital": p.digital})


def _callers_contact(s: Session, callback_id: str, sealed: SealedContact, now: datetime) -> None:
    """A call-back has no case yet: the caller's sealed number is kept under the call-back's id instead."""
    row = s.get(FamilyContact, callback_id) or FamilyContact(case_id=callback_id, patient_ref=sealed.key_id,
                                                             updated_at=now)
    row.sealed, row.updated_at = sealed.model_dump_json(), now
    s.add(row)


def _plan_for_callback(s: Session, ev: Event[Any], callback_id: str, plans: list[plan.Planned], now: datetime) -> None:
    plan_deliveries(s, plans, case_id=callback_id, trigger_event_id=str(ev.event_id), trigger_type=ev.event_type,
                    now=now, id_source=plan.fact_key(ev))


def callback_promised(ev: CallbackPromised, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _callers_contact(s, p.callback_id, p.contact, now)
    _plan_for_callback(s, ev, p.callback_id, plan.plan_callback_promised(p, now, deps.policy), now)


def callback_failed(ev: CallbackFailed, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _callers_contact(s, p.callback_id, p.contact, now)
    _plan_for_callback(s, ev, p.callback_id, plan.plan_callback_failed(p, now, deps.policy), now)


# -- staff ---------------------------------------------------------------------------------------------------

def risk_escalated(ev: RiskEscalated, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _plan(s, ev, plan.plan_risk(ev.case_id or "-", p, now, deps.directory), now)
    _stream(s, ev, "RiskEscalated", [], {"severity": p.severity, "raised_at": p.raised_at.isoformat()},
            {"items": list(p.items)})


def no_bookable_slots(ev: NoBookableSlots, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    unknown = [r for r in p.head_of_unit_refs if r not in deps.directory.staff]
    if unknown:  # the KC head is still told; the directory needs the missing heads
        log.warning("NoBookableSlots names staff refs not in the directory: %s", unknown)
    _plan(s, ev, plan.plan_no_slots(ev.case_id or "-", p, now, deps.directory), now)
    _stream(s, ev, "NoBookableSlots", [u.unit_id for u in p.units], {
        "level": p.level, "municipality": p.municipality, "promise_days": p.promise_days,
        "units": [{"unit_id": u.unit_id, "first_free": u.first_free.isoformat() if u.first_free else None}
                  for u in p.units]})


def slot_runway_short(ev: SlotRunwayShort, uow: UnitOfWork, deps: Deps) -> None:
    """The unit's head and the KC head are told the unit's first-visit times run out soon (no child in it)."""
    p, s, now = ev.payload, uow.session, deps.clock.now()
    unknown = [r for r in p.head_of_unit_refs if r not in deps.directory.staff]
    if unknown:  # the KC head is still told; the directory needs the missing heads
        log.warning("SlotRunwayShort names staff refs not in the directory: %s", unknown)
    _plan(s, ev, plan.plan_runway_short(p, now, deps.directory), now)


def deviation_tagged(ev: DeviationTagged, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _plan(s, ev, plan.plan_deviation(ev.case_id, p, now, deps.directory), now)
    _stream(s, ev, "DeviationTagged", [p.unit_id], {"rule_id": p.rule_id, "level": p.level,
                                                    "evidence": dict(p.evidence)})


def guarantee_at_risk(ev: GuaranteeAtRisk, uow: UnitOfWork, deps: Deps) -> None:
    p, s, now = ev.payload, uow.session, deps.clock.now()
    _plan(s, ev, plan.plan_guarantee(ev.case_id, p, now, deps.directory), now)
    _stream(s, ev, "GuaranteeAtRisk", [p.unit_id], {"clock": p.clock, "deadline": p.deadline.isoformat(),
                                                    "days_left": p.days_left})
