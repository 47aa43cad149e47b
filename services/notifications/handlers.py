"""Kafka consumers of the notifications service: decode -> plan (domain) -> ledger + stream (+ outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.booking import (
    APPOINTMENTS_TOPIC,
    AppointmentBooked,
    AppointmentCancelled,
    GroupSeatBooked,
    NoBookableSlots,
)
from contracts.intake import CASES_TOPIC, ReferralReceived
from contracts.kpi import DEVIATIONS_TOPIC, DeviationTagged, GuaranteeAtRisk
from contracts.triage import ASSESSMENTS_TOPIC, RiskEscalated
from services.chassis.runtime import ServiceRuntime
from services.notifications.applier import Applier

GROUPS = {  # consumer group -> (topic, event types)
    "notifications.contacts": (CASES_TOPIC, {"ReferralReceived"}),
    "notifications.bookings": (APPOINTMENTS_TOPIC, {"AppointmentBooked", "AppointmentCancelled", "GroupSeatBooked",
                                                    "NoBookableSlots"}),
    "notifications.risks": (ASSESSMENTS_TOPIC, {"RiskEscalated"}),
    "notifications.deviations": (DEVIATIONS_TOPIC, {"DeviationTagged", "GuaranteeAtRisk"}),
}


def build_router(rt: ServiceRuntime, applier: Applier) -> KafkaRouter:
    """Each group plans messages and stream events with one applier method per event class."""
    router = KafkaRouter()

    def group(name: str):  # type: ignore[no-untyped-def]
        topic, types = GROUPS[name]
        return rt.consumers.group(router, topic, name=name,
                                  description=f"Plans messages and stream events for {', '.join(sorted(types))}.")

    contacts = group("notifications.contacts")
    contacts.on(ReferralReceived)(applier.on_ReferralReceived)
    bookings = group("notifications.bookings")
    bookings.on(AppointmentBooked)(applier.on_AppointmentBooked)
    bookings.on(AppointmentCancelled)(applier.on_AppointmentCancelled)
    bookings.on(GroupSeatBooked)(applier.on_GroupSeatBooked)
    bookings.on(NoBookableSlots)(applier.on_NoBookableSlots)
    risks = group("notifications.risks")
    risks.on(RiskEscalated)(applier.on_RiskEscalated)
    deviations = group("notifications.deviations")
    deviations.on(DeviationTagged)(applier.on_DeviationTagged)
    deviations.on(GuaranteeAtRisk)(applier.on_GuaranteeAtRisk)
    return router
