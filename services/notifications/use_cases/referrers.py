"""The referrer hears what became of the referral: referrers remembered from the referral's events, each step
kept, and one message per referrer and step planned in the consumer's transaction, whatever order the topics
deliver in (a referrer known later still hears the steps before it, while they are fresh)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from contracts.envelope import Event
from contracts.intake import CaseLinked, ReferralReceived, ReferralReturned, Referrer
from services.chassis.db import UnitOfWork
from services.notifications import store
from services.notifications.deps import Deps
from services.notifications.domain import planning as plan
from services.notifications.domain.referrer_status import (
    FINAL,
    Referral,
    Status,
    plan_status,
    referrer_id,
    status_of,
    waited_for,
    waits,
)
from services.notifications.store import ReferrerRow, StatusRow
from services.notifications.use_cases.deliveries import plan as plan_deliveries


def _case(ev: Event[Any]) -> str:
    if ev.case_id is None:  # a status is always of a case; such an event is retried, then dead-lettered
        raise ValueError(f"{ev.event_type} without a case id")
    return ev.case_id


def _referral(row: ReferrerRow) -> Referral:
    reachable = row.organisation_ref is not None if row.kind == "edi" else row.reply_to is not None
    return Referral(row.referrer_id, row.case_id, row.kind, row.organisation_ref, row.service_request_ref,
                    row.received_at, reachable)


def _send(s: Session, ev: Event[Any], case_id: str, referrers: list[ReferrerRow], status: Status,
          deps: Deps, now: datetime) -> None:
    for r in referrers:
        planned = plan_status(_referral(r), status, deps.referrer_updates, now)
        if planned is not None:  # keyed by case, step and referrer: told once, whichever event told us
            plan_deliveries(s, [planned], case_id=case_id, trigger_event_id=str(ev.event_id),
                            trigger_type=ev.event_type, now=now, id_source=f"status|{case_id}|{status.key}")


def _keep(s: Session, case_id: str, status: Status) -> bool:
    """Keep the step; False when it was known already (the same fact told again)."""
    if s.get(StatusRow, (case_id, status.key)) is not None:
        return False
    s.add(StatusRow(case_id=case_id, status_key=status.key, step=status.step, at=status.at, detail=status.detail))
    s.flush()
    return True


def _remember(s: Session, case_id: str, referrer: Referrer, received_at: datetime) -> ReferrerRow | None:
    """The referrer, once; None when it was known already."""
    rid = referrer_id(case_id, referrer.kind, referrer.organisation_ref, referrer.service_request_ref)
    if s.get(ReferrerRow, rid) is not None:
        return None
    row = ReferrerRow(referrer_id=rid, case_id=case_id, kind=referrer.kind, organisation_ref=referrer.organisation_ref,
                      service_request_ref=referrer.service_request_ref, received_at=received_at,
                      reply_to=referrer.reply_to.model_dump_json() if referrer.reply_to else None)
    s.add(row)
    s.flush()
    return row


def referral_arrived(ev: ReferralReceived | CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    """A referral (new or linked): its referrer is remembered and hears every fresh step known of the case."""
    s, now, case_id = uow.session, deps.clock.now(), _case(ev)
    status = status_of(ev)
    assert status is not None
    _keep(s, case_id, status)
    referrer = ev.payload.referrer
    if referrer is None:
        return
    row = _remember(s, case_id, referrer, status.at)
    if row is None:
        return
    statuses = store.statuses_of(s, case_id)
    steps = {k.step for k in statuses}
    for known in statuses:
        if (known.step == "received" and known.at != status.at) or waits(known.step, steps):
            continue  # another referral's receipt is not this referrer's news; a step waits for its cause
        _send(s, ev, case_id, [row], Status(known.step, known.at, dict(known.detail)), deps, now)
        if known.step in FINAL:
            break  # nothing after the end: a Task never goes back from done to in progress


def step_happened(ev: Event[Any], uow: UnitOfWork, deps: Deps) -> None:
    """A step of the case (assessed, decided, booked, signposted, closed, returned): every referrer hears it."""
    status = status_of(ev)
    if status is None:
        return
    s, now, case_id = uow.session, deps.clock.now(), _case(ev)
    kept = [Status(k.step, k.at, dict(k.detail)) for k in store.statuses_of(s, case_id)]
    ended = status.step not in FINAL and any(k.step in FINAL for k in kept)
    if not _keep(s, case_id, status) or ended:  # a step after the end (a return's assessment) is kept, not told
        return
    if waits(status.step, {k.step for k in kept}):
        return  # kept: told right after its cause, whichever topic is read first
    referrers = store.referrers_of(s, case_id)
    for told in (status, *waited_for(status.step, kept)):  # a step told twice is planned once (keyed by step)
        _send(s, ev, case_id, referrers, told, deps, now)


def referral_returned(ev: ReferralReturned, uow: UnitOfWork, deps: Deps) -> None:
    """Returned with advice: the referrer hears it (with the advice); the family is told the referral went back."""
    step_happened(ev, uow, deps)
    now = deps.clock.now()
    planned = plan.Planned("referral_returned", plan.FAMILY, plan.FAMILY, plan.family_due(now, deps.policy),
                           context={"reason": ev.payload.reason})
    plan_deliveries(uow.session, [planned], case_id=_case(ev), trigger_event_id=str(ev.event_id),
                    trigger_type=ev.event_type, now=now, id_source=f"returned|{ev.case_id}")
