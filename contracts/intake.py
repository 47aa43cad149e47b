"""Events published by the intake service: telephony, cases, referrals, advice and signposting."""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.common import Channel, ChildProfile, LanguageNeed, Role, SealedContact, SignpostDestination, Source
from contracts.envelope import Event, F, Payload

TELEPHONY_TOPIC = "intake.telephony.v1"
CASES_TOPIC = "intake.cases.v1"

Line = Literal["public_1177", "partner_external", "partner_internal"]


class CallPayload(Payload):
    call_id: str = F("The call platform's id of the call (not the caller's number).", "call-20230314-000123")
    line: Line = F("Which number was called: 1177 option 2, or the partners' external/internal number.", "public_1177")
    at: AwareDatetime = F("The platform's own timestamp for this step of the call.", "2023-03-14T08:02:10+01:00")


class _Telephony(Event[CallPayload]):
    TOPIC: ClassVar[str] = TELEPHONY_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    KEY_FIELD: ClassVar[str] = "call_id"
    producer: Literal["intake"] = F("The service that published this event.", "intake")
    payload: CallPayload = F("The call step.")


class CallOffered(_Telephony):
    """A call reached the contact centre's queue system."""
    event_type: Literal["CallOffered"] = F("Event name.", "CallOffered")


class CallQueued(_Telephony):
    """The call waits in the queue."""
    event_type: Literal["CallQueued"] = F("Event name.", "CallQueued")


class CallAnswered(_Telephony):
    """A professional answered the call."""
    event_type: Literal["CallAnswered"] = F("Event name.", "CallAnswered")


class CallAbandoned(_Telephony):
    """The caller hung up before being answered."""
    event_type: Literal["CallAbandoned"] = F("Event name.", "CallAbandoned")


class QueueFull(_Telephony):
    """The queue was full and the caller was turned away ('fylld kö')."""
    event_type: Literal["QueueFull"] = F("Event name.", "QueueFull")


class CallbackScheduled(_Telephony):
    """An unanswered caller was promised a callback."""
    event_type: Literal["CallbackScheduled"] = F("Event name.", "CallbackScheduled")


class CallbackMade(_Telephony):
    """The contact centre called back and reached the caller."""
    event_type: Literal["CallbackMade"] = F("Event name.", "CallbackMade")


class CallEnded(_Telephony):
    """The conversation of an answered (or called-back) call ended: with the answer, its handling time."""
    event_type: Literal["CallEnded"] = F("Event name.", "CallEnded")
ReferrerKind = Literal["edi", "school", "paper", "partner"]


class Referrer(Payload):
    """Who sent the referral and where they hear what became of it: no personal data in the open."""
    kind: ReferrerKind = F("How the referrer sent it and so how they are answered: an EDI referrer through the "
                           "region's message exchange (FHIR Task), a school through /skola and e-mail, a paper "
                           "referrer by letter, a collaboration partner not at all.", "edi")
    organisation_ref: str | None = F(
        "The referrer's address in their channel: an EDI requester's identifier (HSA-id) or FHIR reference, a "
        "school's id; null for paper.", "SE2321000222-HC0042", default=None, max_length=120)
    service_request_ref: str | None = F(
        "The referral's id in the referrer's system (EDI: the ServiceRequest id): what a status update is about.",
        "sr-88412", default=None, max_length=120)
    reply_to: SealedContact | None = F(
        "The referrer's reply details, sealed like a family's contact (a school sender's name and work e-mail, a "
        "paper referrer's postal address); only notifications opens them.", None, default=None)


class ReferralReceivedPayload(Payload):
    channel: Channel = F("Way in: phone, EDI referral, paper referral, collaboration partner, the schools' digital "
                         "referral form (school_form) or 'Kontakta oss' (self_referral); for the two forms the clock "
                         "starts at submission.", "edi")
    source: Source = F("Who made contact or sent the referral.", "healthcare")
    school_referral: bool = F("True for referrals from school student health (elevhälsan), for seasonality.", False)
    clock_start: AwareDatetime = F(
        "Start of the 3-day clock: the call, the date written/authored on the referral, or the moment a school's "
        "digital referral was submitted.", "2022-11-14T00:00:00+01:00")
    sender_date: date | None = F("The sender's date (EDI authoredOn, or the date written on paper).", "2022-11-14")
    received_at: AwareDatetime = F("When the contact centre received it.", "2022-11-15T07:41:00+01:00")
    child: ChildProfile = F("The child, pseudonymised.", {"patient_ref": "P-4Q7T2M9KZ3XW8RB6N1HC", "age_years": 11,
                                                            "sex": "female", "municipality": "Lycksele"})
    contact: SealedContact | None = F("Guardian's or young person's contact details, encrypted per person.", None)
    call_id: str | None = F("The call this case was opened from, for phone contacts.", None)
    external_ref: str | None = F("The sender's own reference (e.g. FHIR ServiceRequest id), to correlate.", "sr-88412")
    reason_codes: list[str] = F("Coded reasons for referral (no free text on the bus).", ["anxiety", "school_absence"])
    triage_hint: Literal["none", "adult_care", "out_of_county"] = F(
        "Set when intake already knows the case is to be signposted out (18+ or outside the county).", "none")
    risk_signals: list[str] = F(
        "Acute-risk answers the sender gave (self_referral only), as codes: triage escalates them at once, as it "
        "does a risk answer in an interview.", [], default_factory=list)
    language: LanguageNeed | None = F(
        "The family's language and whether they need an interpreter, as told at this contact; null when not told "
        "(Swedish assumed, no interpreter).", {"language": "ar", "interpreter_needed": True}, default=None)
    referrer: Referrer | None = F(
        "Who referred and how they are told what became of it; null for a call (the caller is the family).",
        {"kind": "edi", "organisation_ref": "SE2321000222-HC0042", "service_request_ref": "sr-88412"}, default=None)


class ReferralReceived(Event[ReferralReceivedPayload]):
    """A contact became a case: a call, an EDI or paper referral, or a partner's contact."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["ReferralReceived"] = F("Event name.", "ReferralReceived")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: ReferralReceivedPayload = F("The referral.")


class PaperReferralDigitisedPayload(Payload):
    document_sha256: str = F("Content hash of the scanned file, its address in the document store.",
                             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", pattern=r"^[0-9a-f]{64}$")
    date_written: date = F("The date written on the referral; the clock starts here.", "2022-11-10")
    date_arrived: date = F("The date the paper arrived (stamped on receipt).", "2022-11-15")
    digitised_at: AwareDatetime = F("When staff registered the scan.", "2022-11-16T13:20:00+01:00")
    arrival_delay_days: int = F("Calendar days between writing and arrival (deviation when > 3).", 5, ge=0)


class PaperReferralDigitised(Event[PaperReferralDigitisedPayload]):
    """A paper referral was scanned and typed in; it carries all three dates."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["PaperReferralDigitised"] = F("Event name.", "PaperReferralDigitised")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: PaperReferralDigitisedPayload = F("The digitisation.")


class CaseLinkedPayload(Payload):
    linked_channel: Channel = F("Channel of the later contact that was linked.", "paper")
    linked_source: Source = F("Source of the later contact.", "school_student_health")
    linked_clock_start: AwareDatetime = F("Clock start of the later contact.", "2022-11-10T00:00:00+01:00")
    effective_clock_start: AwareDatetime = F("The case's clock start after linking: the earliest wins.",
                                             "2022-11-10T00:00:00+01:00")
    external_ref: str | None = F("The later sender's reference.", None)
    contact: SealedContact | None = F(
        "Contact details given with the later contact (sealed), when it brought any; newer than the case's.", None,
        default=None)
    risk_signals: list[str] = F("Acute-risk answers the later contact gave (self_referral only), as codes.", [],
                                default_factory=list)
    language: LanguageNeed | None = F(
        "The family's language as told at the later contact, when it told one; newer than the case's.", None,
        default=None)
    referrer: Referrer | None = F("The later contact's referrer, who hears what becomes of the case too.", None,
                                  default=None)


class CaseLinked(Event[CaseLinkedPayload]):
    """A second contact for a child with an open case was linked to it instead of opening another."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["CaseLinked"] = F("Event name.", "CaseLinked")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: CaseLinkedPayload = F("The link.")


class StaffAct(Payload):
    by_role: Role = F("Role of the staff member.", "clinician")
    by_staff_ref: str = F("Pseudonymous staff id (HSA-id hash), never a name.", "S-2F9K")
    licensed: bool = F("Whether the staff member is a licensed professional.", True)


class AdviceGivenPayload(StaffAct):
    given_at: AwareDatetime = F("When the advice was given.", "2022-11-16T10:12:00+01:00")
    topic_codes: list[str] = F("Coded topics of the advice.", ["sleep"])


class AdviceGiven(Event[AdviceGivenPayload]):
    """A licensed professional gave advice; this is a medical assessment for the 3-day KPI."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["AdviceGiven"] = F("Event name.", "AdviceGiven")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: AdviceGivenPayload = F("The advice.")


class SignpostedPayload(StaffAct):
    destination: SignpostDestination = F("Where the family was signposted.", "social_services")
    reason: Literal["outside_healthcare", "adult_care", "out_of_county", "other"] = F("Why.", "outside_healthcare")
    signposted_at: AwareDatetime = F("When.", "2022-11-16T10:15:00+01:00")


class Signposted(Event[SignpostedPayload]):
    """The family was signposted out of the contact centre's care (social services, school, adult care...)."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["Signposted"] = F("Event name.", "Signposted")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: SignpostedPayload = F("The signposting.")


class InterviewScheduledPayload(StaffAct):
    scheduled_for: AwareDatetime = F("When the telephone interview is booked.", "2022-11-18T09:00:00+01:00")


class InterviewScheduled(Event[InterviewScheduledPayload]):
    """The case was handed over to a telephone interview at a set time."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["InterviewScheduled"] = F("Event name.", "InterviewScheduled")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: InterviewScheduledPayload = F("The hand-over.")


class MedicalAssessmentPayload(StaffAct):
    assessed_at: AwareDatetime = F("When the licensed professional assessed the case.", "2022-11-16T10:12:00+01:00")
    kind: Literal["advice", "interview", "other"] = F("What the assessment was.", "advice")


class MedicalAssessmentRecorded(Event[MedicalAssessmentPayload]):
    """Marker: a licensed professional made a medical assessment of the case (the 3-day KPI takes the first)."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["MedicalAssessmentRecorded"] = F("Event name.", "MedicalAssessmentRecorded")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: MedicalAssessmentPayload = F("The assessment.")


class ReferralReturnedPayload(StaffAct):
    reason: str = F("Why, as a code from intake's versioned list of return reasons (data/return_reasons.yaml).",
                    "advice_enough", pattern=r"^[a-z_]{2,40}$")
    reasons_version: str = F("Version of the list the reason is from.", "2026.1")
    reason_sv: str = F("The reason in Swedish words, as the list says it (for the referrer's message).",
                       "Råd till remittenten räcker; barnet behöver inte kontaktcentret nu", default="")
    reason_en: str = F("The reason in English words.", "Advice to the referrer is enough; the child does not need "
                       "the contact centre now", default="")
    returned_at: AwareDatetime = F("When the licensed professional returned it.", "2022-11-16T10:40:00+01:00")
    advice: SealedContact = F("The advice to the referrer, free text, sealed under the child's key (free text about "
                              "a child never travels open); only notifications opens it, to send it.",
                              {"key_id": "P-4Q7T2M9KZ3XW8RB6N1HC", "algorithm": "fernet", "ciphertext": "gAAAAABl..."})


class ReferralReturned(Event[ReferralReturnedPayload]):
    """A licensed professional returned the referral to its referrer with advice; the case closes as returned."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["ReferralReturned"] = F("Event name.", "ReferralReturned")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: ReferralReturnedPayload = F("The return.")


class CaseClosedPayload(Payload):
    reason: Literal["signposted", "completed", "withdrawn", "merged", "returned"] = F(
        "Why the case closed (returned: to its referrer, with advice).", "completed")


class CaseClosed(Event[CaseClosedPayload]):
    """The case was closed at the contact centre."""
    TOPIC: ClassVar[str] = CASES_TOPIC
    PRODUCER: ClassVar[str] = "intake"
    event_type: Literal["CaseClosed"] = F("Event name.", "CaseClosed")
    producer: Literal["intake"] = F("Publisher.", "intake")
    payload: CaseClosedPayload = F("The closing.")


EVENTS: list[type[Event]] = [CallOffered, CallQueued, CallAnswered, CallAbandoned, QueueFull, CallbackScheduled, CallbackMade,
          CallEnded, ReferralReceived, PaperReferralDigitised, CaseLinked, AdviceGiven, Signposted, InterviewScheduled,
          MedicalAssessmentRecorded, CaseClosed, ReferralReturned]

