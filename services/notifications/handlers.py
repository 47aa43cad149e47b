"""Kafka consumers of the notifications service: decode -> plan (domain) -> ledger + stream (+ outbox)."""
from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.booking import APPOINTMENTS_TOPIC
from contracts.intake import CASES_TOPIC
from contracts.kpi import DEVIATIONS_TOPIC
from contracts.triage import ASSESSMENTS_TOPIC
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
    router = KafkaRouter()
    for group, (topic, types) in GROUPS.items():
        rt.consumers.subscribe(router, topic, group=group, handles=types,
                               description=f"Plans messages and stream events for {', '.join(sorted(types))}.")(
            applier.apply)
    return router
