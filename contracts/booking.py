"""Events published by the booking service: appointments, parent-group seats, gaps in supply."""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime

from contracts.common import CareLevel
from contracts.envelope import CASE_ID_PATTERN, Event, F, P, Payload

APPOINTMENTS_TOPIC = "booking.appointments.v1"

VisitType = Literal["new_visit", "treatment_start", "group_session", "investigation_start"]


class _Booking(Event[P]):
    TOPIC: ClassVar[str] = APPOINTMENTS_TOPIC
    PRODUCER: ClassVar[str] = "booking"
    producer: Literal["booking"] = F("Publisher.", "booking")


class ReplacedAppointment(Payload):
    """The appointment a re-booking moved away from: released in the same transaction as the new booking."""
    appointment_id: str = F("The old appointment's id.", "A-3K9P2Q")
    unit_id: str = F("Its unit.", "hc-mariehem")
    unit_name: str = F("Its unit's display name.", "Mariehems hälsocentral")
    starts_at: AwareDatetime = F("Its start: the time that is no longer booked.", "2022-11-29T13:00:00+01:00")
    reason: Literal["rebooked", "care_level_changed"] = F("Why it moved.", "rebooked")


InterpreterMode = Literal["on_site", "phone", "video"]


class InterpreterBooked(Payload):
    """The interpreter the interpreting agency booked for the visit (no name: the agency's reference only)."""
    language: str = F("The language interpreted (ISO 639).", "ar", pattern=r"^[a-z]{2,3}$")
    mode: InterpreterMode = F("On site, by phone, or in the video visit.", "on_site")
    agency_ref: str = F("The interpreting agency's booking reference.", "TB-4K2P9Q")


class AppointmentBookedPayload(Payload):
    appointment_id: str = F("Appointment id.", "A-5R2T7Y")
    unit_id: str = F("Unit id.", "bup-umea")
    unit_name: str = F("Unit's display name (for messages to the family).", "BUP Umeå")
    unit_address: str | None = F("Unit's visiting address (not personal data).", "Umeå BUP, Norrlands universitetssjukhus")
    video_link: str | None = F("Link for a digital visit.", None)
    unit_municipality: str = F("Municipality of the unit.", "Umeå")
    level: CareLevel = F("Care level of the visit.", "bup")
    visit_type: VisitType = F("Kind of visit.", "new_visit")
    profession: str = F("Profession of the booked clinician.", "psychologist")
    starts_at: AwareDatetime = F("Visit start.", "2022-12-01T09:00:00+01:00")
    digital: bool = F("Video visit.", False)
    decided_at: AwareDatetime = F("When the care level was decided (the wait runs from here).", "2022-11-18T10:05:00+01:00")
    wait_days: int = F("Calendar days from decision to visit.", 13, ge=0)
    patient_chosen_wait: bool = F("The family declined an earlier offered time (excluded from the guarantee share).", False)
    rebooking_of: str | None = F("Appointment this one replaces.", None)
    replaces: ReplacedAppointment | None = F(
        "The appointment this one replaces, with its time: a re-booking is this one fact (no AppointmentCancelled "
        "is published for the old one), so the family gets one message naming the new time and the old one.",
        None, default=None)
    booked_by: Literal["contact_centre", "health_centre", "unit"] = F("Who booked.", "contact_centre")
    interpreter: InterpreterBooked | None = F(
        "The interpreter booked with the visit, when the family needs one; null when none is needed (or, for a "
        "time booked automatically from the waiting list, none was asked for).",
        {"language": "ar", "mode": "on_site", "agency_ref": "TB-4K2P9Q"}, default=None)


class AppointmentBooked(_Booking[AppointmentBookedPayload]):
    """An appointment was booked for the case."""
    event_type: Literal["AppointmentBooked"] = F("Event name.", "AppointmentBooked")
    payload: AppointmentBookedPayload = F("The booking.")


class AppointmentChangePayload(Payload):
    appointment_id: str = F("Appointment id.", "A-5R2T7Y")
    unit_id: str = F("Unit id.", "bup-umea")
    at: AwareDatetime = F("When it happened.", "2022-11-25T08:00:00+01:00")
    by: Literal["family", "unit", "contact_centre", "system"] = F("Who.", "family")
    reason: str | None = F("Coded reason.", "care_level_changed")


class AppointmentCancelled(_Booking[AppointmentChangePayload]):
    """A booked appointment was cancelled."""
    event_type: Literal["AppointmentCancelled"] = F("Event name.", "AppointmentCancelled")
    payload: AppointmentChangePayload = F("The cancellation.")


class AppointmentAttended(_Booking[AppointmentChangePayload]):
    """The child came to the visit."""
    event_type: Literal["AppointmentAttended"] = F("Event name.", "AppointmentAttended")
    payload: AppointmentChangePayload = F("The attendance.")


class AppointmentNoShow(_Booking[AppointmentChangePayload]):
    """The child did not come and did not cancel."""
    event_type: Literal["AppointmentNoShow"] = F("Event name.", "AppointmentNoShow")
    payload: AppointmentChangePayload = F("The no-show.")


class GroupSeatBookedPayload(Payload):
    group_id: str = F("Parent group course id.", "G-2023-04-UME-1")
    course_kind: str = F("Kind of parenting course.", "parenting_6_12")
    unit_id: str = F("Organising unit.", "hc-mariehem")
    unit_name: str = F("Unit's display name.", "Mariehems hälsocentral")
    location: str | None = F("Meeting place, or the video link for a digital group.", "https://video.example/g/2023-04")
    starts_on: date = F("Course start date.", "2023-04-12")
    digital: bool = F("Digital group.", True)
    parents: int = F("Number of parents booked.", 2, ge=1)
    booked_from: Literal["contact_centre", "health_centre"] = F("Where the booking came from.", "contact_centre")
    child_sex: str = F("Child's sex for split statistics.", "male")


class GroupSeatBooked(_Booking[GroupSeatBookedPayload]):
    """Parents (and their child) got seats in a parent group."""
    event_type: Literal["GroupSeatBooked"] = F("Event name.", "GroupSeatBooked")
    payload: GroupSeatBookedPayload = F("The seat.")


class GroupDropOutPayload(Payload):
    group_id: str = F("Course id.", "G-2023-04-UME-1")
    at: AwareDatetime = F("When.", "2023-05-02T10:00:00+02:00")


class GroupDroppedOut(_Booking[GroupDropOutPayload]):
    """A family left a parent group before it ended."""
    event_type: Literal["GroupDroppedOut"] = F("Event name.", "GroupDroppedOut")
    payload: GroupDropOutPayload = F("The drop-out.")


Satisfaction = Literal["missnojd", "ej_nojd", "nojd", "mycket_nojd"]
Recommend = Literal["ej_sannolikt", "liten_sannolikhet", "sannolikt", "stor_sannolikhet"]
EasierEveryday = Literal["nej", "en_del_situationer", "ja_ofta"]
Exchange = Literal["bra_givande", "varken_eller", "daligt"]


class GroupEvaluatedPayload(Payload):
    group_id: str = F("Course id.", "G-2023-04-UME-1")
    satisfaction: Satisfaction = F("Satisfaction: Missnöjd, Ej nöjd, Nöjd, Mycket nöjd.", "nojd")
    recommend: Recommend = F("Would recommend: Ej sannolikt, Liten sannolikhet, Sannolikt, Stor sannolikhet.",
                             "stor_sannolikhet")
    easier_everyday: EasierEveryday = F("Everyday life easier with the new tools: Nej, En del situationer, Ja ofta.",
                                        "en_del_situationer")
    exchange: Exchange = F("Exchange of experience in the group: Bra givande, Varken eller, Dåligt.", "bra_givande")
    at: AwareDatetime = F("When the parents answered.", "2023-05-30T18:00:00+02:00")


class GroupEvaluated(_Booking[GroupEvaluatedPayload]):
    """Parents answered the parent group's evaluation (the four scales the region follows)."""
    event_type: Literal["GroupEvaluated"] = F("Event name.", "GroupEvaluated")
    payload: GroupEvaluatedPayload = F("The answers.")


class SearchedUnit(Payload):
    unit_id: str = F("Unit searched.", "hc-sorsele")
    first_free: AwareDatetime | None = F("First free suitable slot, if any, beyond the promise.", None)


class NoBookableSlotsPayload(Payload):
    level: CareLevel = F("Decided level.", "primary_care")
    municipality: str = F("Family's municipality.", "Sorsele")
    promise_days: int = F("The promise searched within (7 first line, 30 BUP).", 7)
    searched_from: AwareDatetime = F("Start of search window.", "2023-03-01T00:00:00+01:00")
    searched_to: AwareDatetime = F("End of search window.", "2023-03-08T00:00:00+01:00")
    units: list[SearchedUnit] = F("Units searched and what they had.", [])
    head_of_unit_refs: list[str] = F("Staff refs of the heads of the units to alert.", ["S-HEAD-SORSELE"])
    waiting_list_position: int = F("Position on the waiting list, in clock order.", 1, ge=1)


class NoBookableSlots(_Booking[NoBookableSlotsPayload]):
    """No unit at the decided level near the family had a slot within the promise."""
    event_type: Literal["NoBookableSlots"] = F("Event name.", "NoBookableSlots")
    payload: NoBookableSlotsPayload = F("The evidence.")


class InterpreterUnavailablePayload(Payload):
    language: str = F("The language the family needs an interpreter in (ISO 639).", "ti", pattern=r"^[a-z]{2,3}$")
    unit_id: str = F("The unit of the time.", "hc-mariehem")
    level: CareLevel = F("Decided level.", "primary_care")
    visit_type: VisitType = F("Kind of visit the time was for (a first visit is `new_visit`).", "new_visit")
    starts_at: AwareDatetime = F("The time that could not be booked with an interpreter.", "2023-03-20T09:00:00+01:00")
    at: AwareDatetime = F("When the interpreting agency said no.", "2023-03-14T10:12:00+01:00")


class InterpreterUnavailable(_Booking[InterpreterUnavailablePayload]):
    """The interpreting agency had no interpreter for the time: it was not booked, and staff were told why."""
    event_type: Literal["InterpreterUnavailable"] = F("Event name.", "InterpreterUnavailable")
    payload: InterpreterUnavailablePayload = F("The time not offered for want of an interpreter.")


class SlotRunwayShortPayload(Payload):
    unit_id: str = F("The unit whose first-visit times are running out.", "hc-sorsele")
    unit_name: str = F("The unit's display name.", "Sorsele hälsocentral")
    level: CareLevel = F("The care level whose promise the times are measured against.", "primary_care")
    promise_days: int = F("The promise in days (7 first line, 30 BUP).", 7, ge=0)
    computed_on: date = F("The day the forecast was made (Swedish time).", "2023-03-01")
    last_day: date | None = F("The last day a family decided that day still gets a first visit within the promise "
                              "at the expected demand; null: not even today.", "2023-03-13")
    last_day_low: date | None = F("The same at the high end of demand (mean + z·sd): the earliest the times may "
                                  "run out.", "2023-03-09")
    last_day_high: date | None = F("The same at the low end of demand (mean − z·sd): the latest.", "2023-03-16")
    working_days: int = F("Working days from `computed_on` to `last_day`.", 8, ge=0)
    reason: Literal["runway", "gap"] = F("Why it is short: runway = ends within the policy's working days; "
                                         "gap = more days in a row without a free time than the policy allows "
                                         "(e.g. over a holiday).", "runway")
    gap_from: date | None = F("First day of the gap without free times, when there is one.", None)
    gap_to: date | None = F("Last day of that gap.", None)
    demand_per_day: float = F("Expected first-visit cases per working day at the unit.", 1.4, ge=0)
    policy_version: str = F("Version of the runway policy file that judged it.", "2026.1")
    head_of_unit_refs: list[str] = F("Staff refs of the unit's head to alert.", ["S-HEAD-SORSELE"])
    demand_source: Literal["kpi_forecast", "recent_weeks"] = F(
        "Where the expected demand came from: kpi_forecast = the KPI service's DemandForecastPublished (weekday "
        "and season); recent_weeks = booking's own cases decided over the policy's past weeks.", "kpi_forecast",
        default="recent_weeks")


class SlotRunwayShort(_Booking[SlotRunwayShortPayload]):
    """A unit's first-visit times will run out (or pause too long) soon: told once per shortage episode, before a
    family is turned away. Not about a child: no case id; keyed by unit."""
    KEY_FIELD: ClassVar[str] = "unit_id"
    case_id: str | None = F("Always null: the event is about a unit's times, not a child (keyed by unit_id).", None,
                            pattern=CASE_ID_PATTERN)
    event_type: Literal["SlotRunwayShort"] = F("Event name.", "SlotRunwayShort")
    payload: SlotRunwayShortPayload = F("The forecast.")


# BUP's later stages, reported by the BUP unit (the national waiting-times report: fördjupad utredning and
# behandling, each waited for from the decision after the first assessment; DOMAIN.md "Counting bases").
BupStage = Literal["investigation", "treatment"]
WaitExclusion = Literal["pvv", "mov", "sov"]


class BupStageDecidedPayload(Payload):
    stage: BupStage = F("The stage decided after the first assessment: investigation (fördjupad utredning) or "
                        "treatment (behandling).", "investigation")
    unit_id: str = F("BUP unit.", "bup-umea")
    decided_at: AwareDatetime = F("When the unit decided the stage is needed; the stage's wait runs from here.",
                                  "2023-03-06T14:00:00+01:00")


class BupStageDecided(_Booking[BupStageDecidedPayload]):
    """A BUP unit decided that the child needs an in-depth investigation or treatment: a new wait starts."""
    event_type: Literal["BupStageDecided"] = F("Event name.", "BupStageDecided")
    payload: BupStageDecidedPayload = F("The decision.")


class BupStageWaitExcludedPayload(Payload):
    stage: BupStage = F("The stage whose wait is excluded.", "investigation")
    unit_id: str = F("BUP unit.", "bup-umea")
    code: WaitExclusion = F("Region code: pvv = patient-chosen wait (offered a time within the limit and declined), "
                            "mov = medically caused wait, sov = special-reason wait.", "pvv")
    at: AwareDatetime = F("When it was recorded.", "2023-03-20T10:00:00+01:00")


class BupStageWaitExcluded(_Booking[BupStageWaitExcludedPayload]):
    """The wait for a BUP stage is excluded from the within-limit share (PvV, MoV or SoV) and counted apart."""
    event_type: Literal["BupStageWaitExcluded"] = F("Event name.", "BupStageWaitExcluded")
    payload: BupStageWaitExcludedPayload = F("The exclusion.")


class BupStageStartedPayload(Payload):
    stage: BupStage = F("The stage that started.", "investigation")
    unit_id: str = F("BUP unit.", "bup-umea")
    started_at: AwareDatetime = F("When the investigation or treatment started.", "2023-04-03T09:00:00+02:00")
    decided_at: AwareDatetime | None = F("The decision the wait ran from, when BupStageDecided was not sent.", None)


class BupStageStarted(_Booking[BupStageStartedPayload]):
    """A BUP unit started the in-depth investigation or the treatment: the stage's wait ends."""
    event_type: Literal["BupStageStarted"] = F("Event name.", "BupStageStarted")
    payload: BupStageStartedPayload = F("The start.")


EVENTS: list[type[Event]] = [AppointmentBooked, AppointmentCancelled, AppointmentAttended, AppointmentNoShow, GroupSeatBooked,
          GroupDroppedOut, GroupEvaluated, NoBookableSlots, BupStageDecided, BupStageWaitExcluded, BupStageStarted,
          InterpreterUnavailable, SlotRunwayShort]
