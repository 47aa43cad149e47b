"""Events published by the triage service: interviews, risk, care-level decisions, two-level care."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.common import CareLevel, Role
from contracts.envelope import Event, F, P, Payload

ASSESSMENTS_TOPIC = "triage.assessments.v1"


class _Triage(Event[P]):
    TOPIC: ClassVar[str] = ASSESSMENTS_TOPIC
    PRODUCER: ClassVar[str] = "triage"
    producer: Literal["triage"] = F("Publisher.", "triage")


class ScaleScore(Payload):
    scale: str = F("Scale id in the instrument.", "low_mood")
    raw: float = F("Raw score (sum of item scores).", 14)
    t_score: float | None = F("Norm-referenced T-score for the child's age and sex, if the instrument has norms.", 67)
    band: str = F("Band from the cut-offs: e.g. 'normal', 'elevated', 'signal'.", "signal")


class InterviewCompletedPayload(Payload):
    interview_id: str = F("Id of the interview.", "I-8H2K4M")
    instrument_id: str = F("Instrument id.", "demo-bcfpi-shape")
    instrument_version: str = F("Instrument file version used.", "2024.1")
    started_at: AwareDatetime = F("When the interview started.", "2022-11-18T09:00:00+01:00")
    completed_at: AwareDatetime = F("When it was completed.", "2022-11-18T10:02:00+01:00")
    scores: list[ScaleScore] = F("Scores per scale and composite.", [])
    functioning: dict[str, float] = F("Child and family functioning scores by domain.", {"school": 2.0})
    risk_flags: list[str] = F("Risk items that signalled.", [])
    informant_disagreement: list[str] = F("Scales where the young person's self-report disagrees with the guardian's.", [])
    by_role: Role = F("Role of the interviewer (a licensed role).", "clinician")
    by_staff_ref: str = F("Pseudonymous staff id.", "S-2F9K")
    supplementary_forms: list[str] = F(
        "Other forms scored in the same interview, as id@version (AUDIT, DUDIT, youth self-report); "
        "their scales are in `scores`.", ["audit@2026.1", "youth-self-report@2026.1"], default_factory=list)


class InterviewCompleted(_Triage[InterviewCompletedPayload]):
    """A structured telephone interview was completed and scored."""
    event_type: Literal["InterviewCompleted"] = F("Event name.", "InterviewCompleted")
    payload: InterviewCompletedPayload = F("The interview result.")


class RiskEscalatedPayload(Payload):
    interview_id: str = F("Interview (I-...) in which the risk surfaced, or the 'Kontakta oss' form (KO-...) whose "
                          "answers raised it.", "I-8H2K4M")
    items: list[str] = F("Risk items that triggered the escalation.", ["suicidal_plan"])
    severity: Literal["acute", "high"] = F("How urgent.", "acute")
    raised_at: AwareDatetime = F("When the answer was saved.", "2022-11-18T09:21:00+01:00")
    by_staff_ref: str = F("Interviewer; 'self-referral' when the sender's own answers raised it.", "S-2F9K")


class RiskEscalated(_Triage[RiskEscalatedPayload]):
    """Answers signalled acute risk: the clinician on duty must act now."""
    event_type: Literal["RiskEscalated"] = F("Event name.", "RiskEscalated")
    payload: RiskEscalatedPayload = F("The escalation.")


class MedicalAssessmentRecordedByTriagePayload(Payload):
    assessed_at: AwareDatetime = F("When the licensed professional assessed the case.", "2022-11-18T10:02:00+01:00")
    kind: Literal["advice", "interview", "other"] = F("What the assessment was.", "interview")
    by_role: Role = F("Role.", "clinician")
    by_staff_ref: str = F("Pseudonymous staff id.", "S-2F9K")
    licensed: bool = F("Licensed professional.", True)


class InterviewAssessmentRecorded(_Triage[MedicalAssessmentRecordedByTriagePayload]):
    """Marker: the interview was a licensed medical assessment of the case."""
    event_type: Literal["InterviewAssessmentRecorded"] = F("Event name.", "InterviewAssessmentRecorded")
    payload: MedicalAssessmentRecordedByTriagePayload = F("The assessment.")


class RuleFired(Payload):
    rule_id: str = F("Rule id in the rules file.", "BUP-1")
    level: CareLevel = F("Level the rule points to.", "bup")
    because: str = F("The scores/answers that made it fire, as text.", "low_mood T=72 >= 70 and functioning.school >= 3")


class CareLevelDecidedPayload(Payload):
    level: CareLevel = F("Decided level of care (LEON: lowest effective).", "bup")
    guide_level: CareLevel = F("The level the guide proposed.", "bup")
    rules_version: str = F("Version of the responsibility-allocation rules file.", "2024.1")
    reasons: list[RuleFired] = F("Rules that fired.", [])
    lower_levels_rejected: list[str] = F("Why each lower level was not enough.", ["primary_care: signal on 2 scales"])
    override_reason: str | None = F("The clinician's reason when overriding the guide.", None)
    overridden: bool = F("True when the level differs from the guide.", False)
    decided_at: AwareDatetime = F("When decided.", "2022-11-18T10:05:00+01:00")
    by_staff_ref: str = F("Clinician.", "S-2F9K")
    supersedes_level: CareLevel | None = F("Previous decided level when this is a change.", None)


class CareLevelDecided(_Triage[CareLevelDecidedPayload]):
    """The care level was decided by the guide (and possibly overridden by a clinician)."""
    event_type: Literal["CareLevelDecided"] = F("Event name.", "CareLevelDecided")
    payload: CareLevelDecidedPayload = F("The decision.")


class CollaborationInitiatedPayload(Payload):
    question: str = F("Coded question for two-level care.", "stepwise_adhd_assessment")
    intervention: str = F("Coded intervention.", "joint_assessment")
    health_centre_unit: str = F("Unit id of the health centre.", "hc-ersboda")
    bup_unit: str = F("Unit id of the BUP reception.", "bup-umea")
    initiated_at: AwareDatetime = F("When.", "2022-11-20T13:00:00+01:00")
    by_staff_ref: str = F("Clinician.", "S-2F9K")


class CollaborationInitiated(_Triage[CollaborationInitiatedPayload]):
    """Two-level care: collaboration between a health centre and BUP around one child began."""
    event_type: Literal["CollaborationInitiated"] = F("Event name.", "CollaborationInitiated")
    payload: CollaborationInitiatedPayload = F("The collaboration.")


EVENTS: list[type[Event]] = [InterviewCompleted, RiskEscalated, InterviewAssessmentRecorded, CareLevelDecided, CollaborationInitiated]
