"""Who is told what about an event, and when: pure functions from event payloads to planned messages."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from contracts.booking import (
    AppointmentBookedPayload,
    GroupSeatBookedPayload,
    NoBookableSlotsPayload,
    SlotRunwayShortPayload,
)
from contracts.callbacks import CallbackFailedPayload, CallbackPromisedPayload
from contracts.envelope import Event
from contracts.kpi import DeviationTaggedPayload, GuaranteeAtRiskPayload
from contracts.notifications import RecipientKind
from contracts.triage import RiskEscalatedPayload
from services.notifications.domain.directory import StaffDirectory
from services.notifications.domain.policy import NotificationPolicy
from services.notifications.domain.timing import next_allowed, reminder_time

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FAMILY: Final = "family"


def fact_key(ev: Event[Any]) -> str:
    """The business identity of what an event says happened: the same fact under any event id gives the same key.

    Appointment messages are keyed by the appointment (its confirmation, reminder, change and cancellation are
    told once each); a seat by group and case; a risk by interview and time; a search without a time by case,
    level and search start; a deviation by rule, case, unit and evidence; an at-risk clock by case, clock and
    deadline. Anything else falls back to its event id."""
    p: Any = ev.payload  # read by event type below
    case = ev.case_id or "-"
    match ev.event_type:
        case "AppointmentBooked" | "AppointmentCancelled":
            return f"appointment|{p.appointment_id}"
        case "GroupSeatBooked":
            return f"seat|{p.group_id}|{case}"
        case "RiskEscalated":
            return f"risk|{case}|{p.interview_id}|{p.raised_at.isoformat()}"
        case "NoBookableSlots":
            return f"noslots|{case}|{p.level}|{p.searched_from.isoformat()}"
        case "SlotRunwayShort":
            return f"runway|{p.unit_id}|{p.computed_on.isoformat()}"
        case "DeviationTagged":
            evidence = json.dumps(dict(p.evidence), sort_keys=True)
            return f"deviation|{p.rule_id}|{case}|{p.unit_id or '-'}|{evidence}"
        case "GuaranteeAtRisk":
            return f"guarantee|{case}|{p.clock}|{p.deadline.isoformat()}"
        case "ReferralReceived":
            return f"case|{case}"
        case "CallbackPromised" | "CallbackFailed":  # one promise and one failure per call-back
            return f"callback|{p.callback_id}|{ev.event_type}"
    return f"event|{ev.event_id}"


def fact_digest(ev: Event[Any]) -> str:
    """`fact_key` in a fixed short form for keys with a length limit (stream events)."""
    return hashlib.sha256(fact_key(ev).encode()).hexdigest()[:40]


def notification_id(trigger_event_id: str, recipient_ref: str, template: str) -> str:
    """Deterministic: the same fact (or event), recipient and message always give the same id (the unique key)."""
    n = int.from_bytes(hashlib.sha256(f"{trigger_event_id}|{recipient_ref}|{template}".encode()).digest()[:10], "big")
    return "N-" + "".join(_B32[(n >> (5 * i)) & 31] for i in range(16))


@dataclass(frozen=True)
class Planned:
    template: str
    recipient_kind: RecipientKind
    recipient_ref: str  # "family" or a staff ref from the directory, never an address
    due_at: datetime
    urgent: bool = False
    context: dict[str, Any] = field(default_factory=dict)
    silent: bool = False  # may go during the quiet hours, but only on a channel that wakes nobody


def appointment_context(p: AppointmentBookedPayload) -> dict[str, Any]:
    return {"unit_name": p.unit_name, "unit_address": p.unit_address, "video_link": p.video_link,
            "starts_at": p.starts_at.isoformat(), "digital": p.digital, "interpreter": p.interpreter is not None}


def family_due(now: datetime, policy: NotificationPolicy) -> datetime:
    return next_allowed(now, policy.quiet_hours.start, policy.quiet_hours.end)


def visit_due(now: datetime, starts_at: datetime | None, policy: NotificationPolicy) -> tuple[datetime, bool]:
    """(when, silent) for a message about a visit: held to the morning, unless the visit starts before the
    morning is of use to the family; then at once, silently (digital mailbox or e-mail)."""
    q = policy.quiet_hours
    due = family_due(now, policy)
    if due > now and starts_at is not None and starts_at < due + timedelta(minutes=q.visit_margin_minutes):
        return now, True
    return due, False


def changed_context(p: AppointmentBookedPayload) -> dict[str, Any]:
    """A re-booking's message names the new time and the old one that no longer applies."""
    old = p.replaces
    return {**appointment_context(p), "old_starts_at": old.starts_at.isoformat() if old else None,
            "old_unit_name": old.unit_name if old else None}


def plan_booked(p: AppointmentBookedPayload, now: datetime, policy: NotificationPolicy, *, family_knew_old: bool = True) -> list[Planned]:
    """Confirmation (or change, for a rebooking the family had heard of) now-or-morning, and a reminder.

    `family_knew_old`: False when the replaced booking's confirmation never went out; the family then
    gets a plain confirmation of the new time, not news of a change to a time they never heard of."""
    changed = bool(p.rebooking_of) and family_knew_old
    ctx = changed_context(p) if changed else appointment_context(p)
    template = "appointment_changed" if changed else "appointment_confirmation"
    due, silent = visit_due(now, p.starts_at, policy)
    plans = [Planned(template, FAMILY, FAMILY, due, context=ctx, silent=silent)]
    q = policy.quiet_hours
    remind = reminder_time(p.starts_at, due, hours_before=policy.reminder_hours_before,
                           evening_at=policy.reminder_evening_at, min_gap=timedelta(hours=policy.reminder_min_gap_hours),
                           quiet_start=q.start, quiet_end=q.end)
    if remind is not None:
        plans.append(Planned("appointment_reminder", FAMILY, FAMILY, remind, context=ctx))
    return plans


def plan_cancelled(ctx: dict[str, Any], now: datetime, policy: NotificationPolicy) -> list[Planned]:
    starts = ctx.get("starts_at")
    due, silent = visit_due(now, datetime.fromisoformat(starts) if starts else None, policy)
    return [Planned("appointment_cancelled", FAMILY, FAMILY, due, context=ctx, silent=silent)]


def plan_group_seat(p: GroupSeatBookedPayload, now: datetime, policy: NotificationPolicy) -> list[Planned]:
    ctx = {"unit_name": p.unit_name, "starts_on": p.starts_on.isoformat(), "location": p.location or "-",
           "digital": p.digital}
    return [Planned("group_welcome", FAMILY, FAMILY, family_due(now, policy), context=ctx)]


def plan_callback_promised(p: CallbackPromisedPayload, now: datetime, policy: NotificationPolicy) -> list[Planned]:
    """The caller is told the promised window by SMS (held over the quiet hours, like any family message)."""
    ctx = {"window_start": p.window_start.isoformat(), "window_end": p.window_end.isoformat(), "same_day": p.same_day,
           "reason": p.reason}
    return [Planned("callback_promised", FAMILY, FAMILY, family_due(now, policy), context=ctx)]


def plan_callback_failed(p: CallbackFailedPayload, now: datetime, policy: NotificationPolicy) -> list[Planned]:
    """After the last try without an answer, the family is asked to call the contact centre."""
    return [Planned("callback_failed", FAMILY, FAMILY, family_due(now, policy), context={"tries": p.tries})]


def plan_risk(case_id: str, p: RiskEscalatedPayload, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """The clinician on duty now, at once, whatever the hour."""
    ctx = {"case_id": case_id, "severity": p.severity, "raised_at": p.raised_at.isoformat()}
    return [Planned("risk_escalated", "clinician_on_duty", directory.on_duty(now), now, True, ctx)]


def plan_no_slots(case_id: str, p: NoBookableSlotsPayload, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """The heads of the units searched and the KC head (the routine: the KC head calls the unit head)."""
    ctx = {"case_id": case_id, "level": p.level, "municipality": p.municipality, "promise_days": p.promise_days,
           "searched_from": p.searched_from.isoformat(), "searched_to": p.searched_to.isoformat(),
           "waiting_list_position": p.waiting_list_position,
           "units": [{"unit_id": u.unit_id, "first_free": u.first_free.isoformat() if u.first_free else None}
                     for u in p.units]}
    heads = [r for r in p.head_of_unit_refs if r in directory.staff]
    heads += [h for u in p.units if (h := directory.unit_head(u.unit_id)) and h not in heads]
    plans = [Planned("no_bookable_slots", "unit_head", ref, now, False, ctx) for ref in heads]
    return plans + [Planned("no_bookable_slots", "kc_head", directory.kc_head, now, False, ctx)]


def plan_runway_short(p: SlotRunwayShortPayload, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """The unit's head and the KC head, as for no bookable slots, but before a family is turned away."""
    ctx = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
           for k, v in p.model_dump(exclude={"head_of_unit_refs", "policy_version"}).items()}
    heads = [r for r in p.head_of_unit_refs if r in directory.staff]
    if (h := directory.unit_head(p.unit_id)) and h not in heads:
        heads.append(h)
    plans = [Planned("slot_runway_short", "unit_head", ref, now, False, ctx) for ref in heads]
    return plans + [Planned("slot_runway_short", "kc_head", directory.kc_head, now, False, ctx)]


def plan_deviation(case_id: str | None, p: DeviationTaggedPayload, now: datetime, directory: StaffDirectory) -> list[Planned]:
    ctx = {"case_id": case_id or "-", "rule_id": p.rule_id, "rules_version": p.rules_version, "unit_id": p.unit_id,
           "level": p.level, "evidence": dict(p.evidence)}
    return [Planned("deviation_tagged", "coordinator", ref, now, False, ctx) for ref in directory.coordinators]


def plan_guarantee(case_id: str | None, p: GuaranteeAtRiskPayload, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """A staff alert to the KC head, who answers for the contact centre's promise; urgent on the last day."""
    ctx = {"case_id": case_id or "-", "clock": p.clock, "deadline": p.deadline.isoformat(), "days_left": p.days_left,
           "unit_id": p.unit_id}
    return [Planned("guarantee_at_risk", "kc_head", directory.kc_head, now, p.days_left <= 0, ctx)]


def plan_failure_alert(case_id: str | None, template: str, recipient_kind: RecipientKind, error: str, now: datetime,
                       directory: StaffDirectory) -> list[Planned]:
    """Staff are told when a message could not be delivered; an undeliverable alert is not alerted again."""
    if template == "delivery_failed":
        return []
    ctx = {"case_id": case_id, "failed_template": template, "recipient_kind": recipient_kind, "error": error}
    return [Planned("delivery_failed", "kc_head", directory.kc_head, now, True, ctx)]
