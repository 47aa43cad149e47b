"""Who is told what about an event, and when: pure functions from event payloads to planned messages."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.notifications.directory import StaffDirectory
from services.notifications.domain.timing import next_allowed, reminder_at
from services.notifications.policy import NotificationPolicy

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FAMILY = "family"


def notification_id(trigger_event_id: str, recipient_ref: str, template: str) -> str:
    """Deterministic: the same event, recipient and message always give the same id (the unique key)."""
    n = int.from_bytes(hashlib.sha256(f"{trigger_event_id}|{recipient_ref}|{template}".encode()).digest()[:10], "big")
    return "N-" + "".join(_B32[(n >> (5 * i)) & 31] for i in range(16))


@dataclass(frozen=True)
class Planned:
    template: str
    recipient_kind: str  # family | clinician_on_duty | unit_head | kc_head | coordinator
    recipient_ref: str  # "family" or a staff ref from the directory, never an address
    due_at: datetime
    urgent: bool = False
    context: dict[str, Any] = field(default_factory=dict)


def appointment_context(p: Any) -> dict[str, Any]:
    return {"unit_name": p.unit_name, "unit_address": p.unit_address, "video_link": p.video_link,
            "starts_at": p.starts_at.isoformat(), "digital": p.digital}


def family_due(now: datetime, policy: NotificationPolicy) -> datetime:
    return next_allowed(now, policy.quiet_hours.start, policy.quiet_hours.end)


def changed_context(p: Any) -> dict[str, Any]:
    """A re-booking's message names the new time and the old one that no longer applies."""
    old = getattr(p, "replaces", None)
    return {**appointment_context(p), "old_starts_at": old.starts_at.isoformat() if old else None,
            "old_unit_name": old.unit_name if old else None}


def plan_booked(p: Any, now: datetime, policy: NotificationPolicy, *, family_knew_old: bool = True) -> list[Planned]:
    """Confirmation (or change, for a rebooking the family had heard of) now-or-morning, and a reminder.

    `family_knew_old`: False when the replaced booking's confirmation never went out; the family then
    gets a plain confirmation of the new time, not news of a change to a time they never heard of."""
    changed = bool(p.rebooking_of) and family_knew_old
    ctx = changed_context(p) if changed else appointment_context(p)
    template = "appointment_changed" if changed else "appointment_confirmation"
    plans = [Planned(template, FAMILY, FAMILY, family_due(now, policy), context=ctx)]
    remind = reminder_at(p.starts_at, policy.reminder_hours_before, now)
    if remind is not None:
        plans.append(Planned("appointment_reminder", FAMILY, FAMILY, family_due(remind, policy), context=ctx))
    return plans


def plan_cancelled(ctx: dict[str, Any], now: datetime, policy: NotificationPolicy) -> list[Planned]:
    return [Planned("appointment_cancelled", FAMILY, FAMILY, family_due(now, policy), context=ctx)]


def plan_group_seat(p: Any, now: datetime, policy: NotificationPolicy) -> list[Planned]:
    ctx = {"unit_name": p.unit_name, "starts_on": p.starts_on.isoformat(), "location": p.location or "-",
           "digital": p.digital}
    return [Planned("group_welcome", FAMILY, FAMILY, family_due(now, policy), context=ctx)]


def plan_risk(case_id: str, p: Any, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """The clinician on duty now, at once, whatever the hour."""
    ctx = {"case_id": case_id, "severity": p.severity, "raised_at": p.raised_at.isoformat()}
    return [Planned("risk_escalated", "clinician_on_duty", directory.on_duty(now), now, True, ctx)]


def plan_no_slots(case_id: str, p: Any, now: datetime, directory: StaffDirectory) -> list[Planned]:
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


def plan_deviation(case_id: str | None, p: Any, now: datetime, directory: StaffDirectory) -> list[Planned]:
    ctx = {"case_id": case_id or "-", "rule_id": p.rule_id, "rules_version": p.rules_version, "unit_id": p.unit_id,
           "level": p.level, "evidence": dict(p.evidence)}
    return [Planned("deviation_tagged", "coordinator", ref, now, False, ctx) for ref in directory.coordinators]


def plan_guarantee(case_id: str | None, p: Any, now: datetime, directory: StaffDirectory) -> list[Planned]:
    """A staff alert to the KC head, who answers for the contact centre's promise; urgent on the last day."""
    ctx = {"case_id": case_id or "-", "clock": p.clock, "deadline": p.deadline.isoformat(), "days_left": p.days_left,
           "unit_id": p.unit_id}
    return [Planned("guarantee_at_risk", "kc_head", directory.kc_head, now, p.days_left <= 0, ctx)]


def plan_failure_alert(case_id: str | None, template: str, recipient_kind: str, error: str, now: datetime,
                       directory: StaffDirectory) -> list[Planned]:
    """Staff are told when a message could not be delivered; an undeliverable alert is not alerted again."""
    if template == "delivery_failed":
        return []
    ctx = {"case_id": case_id, "failed_template": template, "recipient_kind": recipient_kind, "error": error}
    return [Planned("delivery_failed", "kc_head", directory.kc_head, now, True, ctx)]
