"""Kafka consumers of the notifications service: each event class handed to its use case; the groups as data."""
from __future__ import annotations

from typing import Any

from contracts.booking import (
    APPOINTMENTS_TOPIC,
    AppointmentBooked,
    AppointmentCancelled,
    GroupSeatBooked,
    NoBookableSlots,
    SlotRunwayShort,
)
from contracts.callbacks import CallbackFailed, CallbackPromised
from contracts.envelope import Event
from contracts.intake import (
    CASES_TOPIC,
    TELEPHONY_TOPIC,
    CaseClosed,
    CaseLinked,
    MedicalAssessmentRecorded,
    ReferralReceived,
    ReferralReturned,
    Signposted,
)
from contracts.kpi import DEVIATIONS_TOPIC, DeviationTagged, GuaranteeAtRisk
from contracts.triage import ASSESSMENTS_TOPIC, CareLevelDecided, InterviewAssessmentRecorded, RiskEscalated
from services.chassis.db import UnitOfWork
from services.chassis.subscriptions import On, Subscription, on
from services.notifications.deps import Deps
from services.notifications.use_cases import checkins, events, referrers

# Each handler runs in the consumer's transaction; the chassis commits what it plans with the inbox row.


def on_referral_received(event: ReferralReceived, uow: UnitOfWork, deps: Deps) -> None:
    events.remember_contact(event, uow, deps)


def on_callback_promised(event: CallbackPromised, uow: UnitOfWork, deps: Deps) -> None:
    events.callback_promised(event, uow, deps)


def on_callback_failed(event: CallbackFailed, uow: UnitOfWork, deps: Deps) -> None:
    events.callback_failed(event, uow, deps)


def on_case_linked(event: CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    events.remember_language(event, uow, deps)


def on_appointment_booked(event: AppointmentBooked, uow: UnitOfWork, deps: Deps) -> None:
    events.appointment_booked(event, uow, deps)


def on_appointment_cancelled(event: AppointmentCancelled, uow: UnitOfWork, deps: Deps) -> None:
    events.appointment_cancelled(event, uow, deps)


def on_group_seat_booked(event: GroupSeatBooked, uow: UnitOfWork, deps: Deps) -> None:
    events.group_seat_booked(event, uow, deps)


def on_no_bookable_slots(event: NoBookableSlots, uow: UnitOfWork, deps: Deps) -> None:
    events.no_bookable_slots(event, uow, deps)


def on_slot_runway_short(event: SlotRunwayShort, uow: UnitOfWork, deps: Deps) -> None:
    events.slot_runway_short(event, uow, deps)


def on_risk_escalated(event: RiskEscalated, uow: UnitOfWork, deps: Deps) -> None:
    events.risk_escalated(event, uow, deps)


def on_deviation_tagged(event: DeviationTagged, uow: UnitOfWork, deps: Deps) -> None:
    events.deviation_tagged(event, uow, deps)


def on_guarantee_at_risk(event: GuaranteeAtRisk, uow: UnitOfWork, deps: Deps) -> None:
    events.guarantee_at_risk(event, uow, deps)


def on_referral_for_referrer(event: ReferralReceived | CaseLinked, uow: UnitOfWork, deps: Deps) -> None:
    referrers.referral_arrived(event, uow, deps)


def on_step(event: Event[Any], uow: UnitOfWork, deps: Deps) -> None:
    referrers.step_happened(event, uow, deps)


def on_returned(event: ReferralReturned, uow: UnitOfWork, deps: Deps) -> None:
    referrers.referral_returned(event, uow, deps)


def on_waiting_list(event: NoBookableSlots, uow: UnitOfWork, deps: Deps) -> None:
    checkins.waiting_list(event, uow, deps)


def on_bup_decided(event: CareLevelDecided, uow: UnitOfWork, deps: Deps) -> None:
    checkins.bup_decided(event, uow, deps)


def on_booked_for_checkins(event: AppointmentBooked, uow: UnitOfWork, deps: Deps) -> None:
    checkins.booked(event, uow, deps)


def on_closed_for_checkins(event: CaseClosed, uow: UnitOfWork, deps: Deps) -> None:
    checkins.closed(event, uow, deps)


def _group(name: str, topic: str, *handlers: On[Deps]) -> Subscription[Deps]:
    types = ", ".join(sorted(h.event.__name__ for h in handlers))
    return Subscription(name, (topic,), handlers, description=f"Plans messages and stream events for {types}.")


# the group names key the inbox rows and the committed offsets: never rename one
SUBSCRIPTIONS = [
    _group("notifications.contacts", CASES_TOPIC, on(ReferralReceived, on_referral_received),
           on(CaseLinked, on_case_linked)),
    _group("notifications.callbacks", TELEPHONY_TOPIC, on(CallbackPromised, on_callback_promised),
           on(CallbackFailed, on_callback_failed)),
    _group("notifications.bookings", APPOINTMENTS_TOPIC,
           on(AppointmentBooked, on_appointment_booked), on(AppointmentCancelled, on_appointment_cancelled),
           on(GroupSeatBooked, on_group_seat_booked), on(NoBookableSlots, on_no_bookable_slots),
           on(SlotRunwayShort, on_slot_runway_short)),
    _group("notifications.risks", ASSESSMENTS_TOPIC, on(RiskEscalated, on_risk_escalated)),
    _group("notifications.deviations", DEVIATIONS_TOPIC,
           on(DeviationTagged, on_deviation_tagged), on(GuaranteeAtRisk, on_guarantee_at_risk)),
    # what became of a referral, for its referrer: a group of its own over the three topics the steps come on
    Subscription("notifications.referrers", (CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC), (
        on(ReferralReceived, on_referral_for_referrer), on(CaseLinked, on_referral_for_referrer),
        on(MedicalAssessmentRecorded, on_step), on(Signposted, on_step), on(CaseClosed, on_step),
        on(ReferralReturned, on_returned), on(InterviewAssessmentRecorded, on_step), on(CareLevelDecided, on_step),
        on(AppointmentBooked, on_step)),
        description="Status updates to referrers (a FHIR Task to EDI referrers, e-mail to a school, a letter to a "
                    "paper referrer) and the family's message when their referral is returned."),
    # check-ins with waiting families: planned when a wait starts, called off when it ends
    Subscription("notifications.checkins", (CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC), (
        on(NoBookableSlots, on_waiting_list), on(CareLevelDecided, on_bup_decided),
        on(AppointmentBooked, on_booked_for_checkins), on(CaseClosed, on_closed_for_checkins)),
        description="Check-ins with families who wait (the waiting list, BUP), on the check-in policy's days."),
]
