"""Topic names and the single service that owns (publishes to) each."""
from contracts.booking import APPOINTMENTS_TOPIC
from contracts.intake import CASES_TOPIC, TELEPHONY_TOPIC
from contracts.kpi import DEVIATIONS_TOPIC, FORECASTS_TOPIC
from contracts.notifications import DELIVERIES_TOPIC
from contracts.registry import TOPIC_OWNERS, dead_letter_topic
from contracts.triage import ASSESSMENTS_TOPIC

ALL_TOPICS = [TELEPHONY_TOPIC, CASES_TOPIC, ASSESSMENTS_TOPIC, APPOINTMENTS_TOPIC, DELIVERIES_TOPIC, DEVIATIONS_TOPIC,
              FORECASTS_TOPIC]
PARTITIONS = 6

__all__ = ["ALL_TOPICS", "APPOINTMENTS_TOPIC", "ASSESSMENTS_TOPIC", "CASES_TOPIC", "DELIVERIES_TOPIC",
           "DEVIATIONS_TOPIC", "FORECASTS_TOPIC", "PARTITIONS", "TELEPHONY_TOPIC", "TOPIC_OWNERS", "dead_letter_topic"]
