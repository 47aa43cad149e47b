"""What staff apps and senders submit: the product's own JSON forms, validated field by field."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.callbacks import CallbackReason
from contracts.common import ContactDetails, SignpostDestination, Source
from contracts.intake import Line
from services.chassis.validation import Email, FreeText, PhoneNumber, PlausibleDatetime
from services.intake.domain.cases import PARTNER_SOURCES, CloseReason, SignpostReason
from services.intake.domain.self_referral import PreferredTime, SenderRole, Urgency
from services.intake.domain.telephony import Step

# The family's language: a code from data/languages.yaml (checked against the list in the use case)
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
LANGUAGE_DOC = "The language the family speaks (a code from GET /api/languages, e.g. `ar`); empty when not told."
INTERPRETER_DOC = "The family needs an interpreter in that language (booking then asks for one with the visit)."

# Coded reasons only (e.g. "anxiety", "F41.1"): free text about a child must not reach the bus.
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,40}$")]

# Typed text of a person. FreeText builds its constrained type when the module runs, which a type checker
# cannot follow: to it they are plain strings, which is what they hold.
if TYPE_CHECKING:
    Text120: TypeAlias = str
    Text200: TypeAlias = str
    Advice: TypeAlias = str
    SenderName: TypeAlias = str
    Question: TypeAlias = str
    TriedText: TypeAlias = str
    Worry: TypeAlias = str
else:
    Text120, Text200, SenderName = FreeText(120), FreeText(200), FreeText(100, min_length=2)
    Question, TriedText, Worry = FreeText(4000, min_length=10), FreeText(2000), FreeText(2000, min_length=10)
    Advice = FreeText(2000, min_length=10)


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(_Form):
    """Guardian's or young person's contact as staff or a sender types it; sealed at once, never on the bus."""

    name: Text120 | None = Field(None, description="Name of the person to contact.", examples=["Anna Andersson"])
    phone: PhoneNumber | None = Field(None, description="Mobile number, national (070-123 45 67) or international; "
                                      "stored as E.164.", examples=["+46701234567"])
    email: Email | None = Field(None, description="E-mail address.", examples=["anna@example.se"])
    address: Text200 | None = Field(None, description="Postal address: street, postcode and town.",
                                    examples=["Storgatan 1, 921 31 Lycksele"])
    preferred_channel: Literal["sms", "email", "digital_letter"] = Field("sms", description="The contact's preference.")
    language: Literal["sv", "en"] = Field("sv", description="Language of messages.")
    is_young_person: bool = Field(False, description="The young person is the contact (wording for a young person).")

    def details(self) -> ContactDetails:
        return ContactDetails(**self.model_dump())


class ChildIn(_Form):
    identity_number: str = Field(description="Personnummer or samordningsnummer, YYYYMMDD-NNNN.",
                                 examples=["20100101-2383"], min_length=10, max_length=13)
    municipality: str = Field(description="One of the county's 15 municipalities (name or code), or 'outside'.",
                              examples=["Lycksele"], min_length=2, max_length=40)


class _Language(_Form):
    """What every way in asks of the family's language, from the first contact."""

    language: LanguageCode | None = Field(None, description=LANGUAGE_DOC, examples=["ar"])
    interpreter_needed: bool = Field(False, description=INTERPRETER_DOC)


class _Referral(_Language):
    child: ChildIn
    contact: ContactIn | None = Field(None, description="Guardian's or young person's contact; sealed at once.")
    reason_codes: list[ReasonCode] = Field(default_factory=list, max_length=20, examples=[["anxiety"]])
    external_ref: str | None = Field(None, max_length=120, description="The sender's own reference.",
                                     examples=["sr-88412"])


class ReferralForm(_Referral):
    """An EDI referral in the product's own JSON form, or a collaboration partner's referral."""

    channel: Literal["edi", "partner"] = Field("edi", description="EDI from healthcare, or a partner's referral.")
    requester_ref: str | None = Field(None, max_length=120, pattern=r"^[A-Za-z0-9_.:/\-]{2,120}$",
                                      description="The referring unit's identifier (HSA-id) in the region's message "
                                                  "exchange: where status updates go.",
                                      examples=["SE2321000222-HC0042"])
    source: Source = Field("healthcare", description="Who sent it.")
    authored_on: date = Field(description="The sender's date; the 3-day clock starts here.", examples=["2022-11-14"])

    @model_validator(mode="after")
    def _per_channel(self) -> ReferralForm:
        if self.channel == "edi" and self.source != "healthcare":
            raise ValueError("EDI-remisser kommer från hälso- och sjukvården (source=healthcare). | "
                             "EDI referrals come from healthcare (source=healthcare).")
        if self.channel == "edi" and not self.external_ref:
            raise ValueError("EDI-remiss kräver avsändarens referens (external_ref). | "
                             "An EDI referral needs the sender's reference (external_ref).")
        if self.channel == "partner" and self.source not in PARTNER_SOURCES:
            raise ValueError(f"Samverkanspartner ska vara en av {', '.join(PARTNER_SOURCES)}. | "
                             f"A partner source must be one of {', '.join(PARTNER_SOURCES)}.")
        return self


class ReplyIn(_Form):
    """A paper referrer's name and postal address from the letterhead: where the letter about the referral goes."""

    name: Text120 = Field(description="The referring unit or person, as on the letterhead.",
                          examples=["Tannbergsskolans elevhälsa"])
    address: Text200 = Field(description="Postal address: street, postcode and town.",
                             examples=["Skolgatan 3, 921 31 Lycksele"])


class PaperForm(_Referral):
    """The typed fields of a scanned paper referral."""

    reply_to: ReplyIn | None = Field(None, description="The referrer's name and postal address, for the letter "
                                                       "telling them what became of the referral.")

    source: Source = Field("school_student_health", description="Who wrote it (school student health, ...).")
    date_written: date = Field(description="The date written on the paper; the 3-day clock starts here.",
                               examples=["2022-11-10"])
    date_arrived: date = Field(description="The date stamped on receipt.", examples=["2022-11-15"])

    @model_validator(mode="after")
    def _arrival_after_writing(self) -> PaperForm:
        if self.date_arrived < self.date_written:
            raise ValueError("Ankomstdatum kan inte ligga före datumet på remissen. | "
                             "The arrival date cannot be before the date written on the referral.")
        return self


ProblemArea = Literal["anxiety", "low_mood", "self_harm", "school_absence", "concentration", "behaviour", "eating",
                      "sleep", "social_relations", "trauma", "substance_use", "neurodevelopmental", "other"]
# The stepwise-care question the allocation guide asks: what has the school already done?
TriedStep = Literal["student_health_talks", "school_nurse", "school_psychologist", "adapted_teaching",
                    "special_support", "guardian_meetings", "social_services", "health_centre", "nothing_yet"]
SenderTitle = Literal["school_nurse", "counsellor", "psychologist", "principal", "other"]
ConsentBy = Literal["both_guardians", "one_guardian_sole_custody", "young_person"]
ConsentHow = Literal["in_person", "phone", "written", "digital"]


class ConsentIn(_Form):
    given: bool = Field(description="The guardians (or a mature young person) agreed to the referral. "
                                    "Without it nothing is sent.")
    by: ConsentBy | None = Field(None, description="Who gave it.")
    how: ConsentHow | None = Field(None, description="How it was given.")
    on: date | None = Field(None, description="When it was given.", examples=["2026-11-20"])


class SenderIn(_Form):
    name: SenderName = Field(description="The sender, for the contact centre's questions.")
    title: SenderTitle
    phone: PhoneNumber = Field(description="The sender's work phone, national or international.",
                               examples=["090-123 45 67"])
    email: Email | None = Field(None, description="The sender's work e-mail.", examples=["sara@skola.example.se"])


class SchoolReferralForm(_Language):
    """A referral from a school's student health through the digital form (the school comes from the token)."""

    child: ChildIn
    problem_areas: list[ProblemArea] = Field(min_length=1, max_length=13)
    question: Question = Field(
        description="The school's question to the contact centre (kept in intake, never on the bus).")
    tried_steps: list[TriedStep] = Field(min_length=1, max_length=9, description="What the school has tried.")
    tried_text: TriedText = Field("", description="More on what was tried and how it went.")
    consent: ConsentIn
    sender: SenderIn


class SelfSenderIn(_Form):
    role: SenderRole = Field(description="A guardian sending for a child, or a young person (13-17) for themselves.")
    identity_number: str = Field(min_length=10, max_length=13, examples=["19800101-2380"],
                                 description="The sender's personnummer as the e-identification asserted it.")


class SelfChildIn(_Form):
    identity_number: str | None = Field(None, min_length=10, max_length=13, examples=["20130505-2380"],
                                        description="The child's personnummer (a guardian's submission only).")
    municipality: str = Field(min_length=2, max_length=40, examples=["Umeå"])


class RiskIn(_Form):
    """The acute-risk questions: any 'yes' is answered on screen at once and escalated as a call's would be."""

    self_harm_now: bool = Field(False, description="Is the child hurting themselves, or about to, right now?")
    suicide_thoughts: bool = Field(False, description="Does the child talk of or plan taking their life?")
    danger_now: bool = Field(False, description="Is the child or someone else in danger right now?")


class ReachIn(_Form):
    phone: PhoneNumber = Field(description="The number to call back (kept in intake, sealed on the bus).")
    preferred_time: PreferredTime = Field("any", description="When a call suits best.")
    sms_ok: bool = Field(True, description="An SMS to this number may tell the call-back time.")


class SelfReferralForm(_Form):
    """'Kontakta oss': a guardian or a young person from 13 asks the contact centre to get in touch."""

    sender: SelfSenderIn
    child: SelfChildIn
    problem_areas: list[ProblemArea] = Field(min_length=1, max_length=13)
    worry: Worry = Field(description="What worries them, in their words (kept in intake, never on the bus).")
    urgency: Urgency = Field(description="How urgent it feels: weeks, days, or today.")
    risk: RiskIn = Field(default_factory=RiskIn)
    reach: ReachIn
    language: Literal["sv", "en", "other"] = Field("sv", description="The language to speak.")
    other_language: Text120 | None = Field(None, description="Which language, when 'other'.")
    interpreter: bool = Field(False, description="An interpreter is needed on the call.")
    guardians_may_know: bool | None = Field(None, description="A young person's wish whether guardians are told.")
    client_address: str | None = Field(None, max_length=64, description="The sender's network address as the "
                                       "gateway saw it (for the per-address limit; only a keyed hash is kept).")


class FromCallForm(_Language):
    """A staff member opens a case from an answered call or a callback."""

    call_id: str = Field(min_length=1, max_length=120, examples=["call-20230314-000123"])
    source: Source = Field("guardian", description="Who called: guardian, young person, or a partner.")
    child: ChildIn
    contact: ContactIn | None = None
    reason_codes: list[ReasonCode] = Field(default_factory=list, max_length=20)


class CallStepIn(_Form):
    """One step of a call as the call platform reports it (retries welcome)."""

    call_id: str = Field(min_length=1, max_length=120, examples=["call-20230314-000123"])
    line: Line = Field(examples=["public_1177"])
    step: Step = Field(examples=["CallAnswered"])
    at: PlausibleDatetime = Field(description="The platform's own timestamp, with time zone.",
                              examples=["2023-03-14T08:02:10+01:00"])


class WindowIn(_Form):
    start: PlausibleDatetime = Field(description="From when the caller can be called, with time zone.",
                                     examples=["2023-03-14T13:00:00+01:00"])
    end: PlausibleDatetime = Field(description="Until when, with time zone.", examples=["2023-03-14T16:00:00+01:00"])


class CallbackRequestIn(_Form):
    """A caller who chose a call-back in the queue, or met a full queue, as the call platform reports it."""

    call_id: str = Field(min_length=1, max_length=120, examples=["call-20230314-000123"])
    line: Line = Field(examples=["public_1177"])
    reason: CallbackReason = Field(description="chosen: 'ring upp mig' in the queue; queue_full: the queue was full.",
                                   examples=["queue_full"])
    at: PlausibleDatetime = Field(description="When the caller asked (the platform's time), with time zone.",
                                  examples=["2023-03-14T08:02:10+01:00"])
    number: PhoneNumber = Field(description="The number to ring back (kept in intake, sealed on the bus).",
                                examples=["+46701740605"])
    language: Literal["sv", "en"] = Field("sv", description="The language the caller chose in the platform's menu.")
    window: WindowIn | None = Field(None, description="The window the caller chose, when the platform offers one.")


class CallbackOutcomeIn(_Form):
    outcome: Literal["reached", "not_reached", "cancelled"] = Field(
        description="reached: the caller answered (the call goes on as a call); not_reached: no answer (the next "
                    "try is set, or after the last the family is asked to call); cancelled: the caller does not "
                    "want the call-back any more.", examples=["reached"])


class StaffingIn(_Form):
    """The call platform's count of agents signed in to the contact centre's queue."""

    at: PlausibleDatetime = Field(description="When the count held (the platform's time).",
                                  examples=["2023-03-14T08:00:00+01:00"])
    agents_signed_in: int = Field(ge=0, le=500, description="Agents signed in to the queue.", examples=[4])


class AdviceIn(_Form):
    topic_codes: list[ReasonCode] = Field(default_factory=list, max_length=20, examples=[["sleep"]])


class SignpostIn(_Form):
    destination: SignpostDestination = Field(examples=["social_services"])
    reason: SignpostReason = "outside_healthcare"


class InterviewIn(_Form):
    scheduled_for: PlausibleDatetime = Field(description="When the telephone interview is booked, with time zone.",
                                         examples=["2023-03-16T09:00:00+01:00"])


class ReturnIn(_Form):
    """A licensed professional returns the referral to its referrer with advice."""

    reason: str = Field(pattern=r"^[a-z_]{2,40}$", description="A code from GET /api/return-reasons.",
                        examples=["advice_enough"])
    advice: Advice = Field(description="The advice to the referrer (kept in intake; sent sealed to notifications, "
                                       "never open on the bus).", examples=["Pröva först samtal med skolkuratorn."])


class CloseIn(_Form):
    reason: CloseReason = "completed"
