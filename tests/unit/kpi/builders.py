"""Valid events of every kind the KPI service reads, built with the contracts, as wire dicts."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts import booking, intake, notifications, triage
from contracts.callbacks import (
    CallbackAttempted,
    CallbackAttemptedPayload,
    CallbackCancelled,
    CallbackCancelledPayload,
    CallbackFailed,
    CallbackFailedPayload,
    CallbackPromised,
    CallbackPromisedPayload,
)
from contracts.common import ChildProfile, LanguageNeed, SealedContact
from contracts.envelope import Event, new_case_id

SE = ZoneInfo("Europe/Stockholm")


def at(day: str, hh: int = 10, mm: int = 0) -> datetime:
    """A Swedish wall-clock time on `day` (YYYY-MM-DD)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=SE).replace(hour=hh, minute=mm)


def wire(ev: Event) -> dict[str, Any]:
    return json.loads(ev.model_dump_json())


def _staff() -> dict[str, Any]:
    return {"by_role": "clinician", "by_staff_ref": "S-2F9K", "licensed": True}


class CaseBuilder:
    """Events of one case; each method returns the wire dict and remembers it in `events`."""

    def __init__(self, case_id: str | None = None) -> None:
        self.case_id = case_id or new_case_id()
        self.events: list[dict[str, Any]] = []

    def _add(self, ev: Event) -> dict[str, Any]:
        d = wire(ev)
        self.events.append(d)
        return d

    def referral(self, clock: datetime, channel: str = "edi", sex: str = "female", age: int = 11,
                 municipality: str = "Umeå", school: bool = False, received: datetime | None = None,
                 language: str | None = None, interpreter: bool = False) -> dict[str, Any]:
        p = intake.ReferralReceivedPayload(
            channel=channel, source="school_student_health" if school else "healthcare", school_referral=school,
            clock_start=clock, sender_date=clock.date(), received_at=received or clock,
            child=ChildProfile(patient_ref="P-4Q7T2M9KZ3XW8RB6N1HC", age_years=age, sex=sex, municipality=municipality),
            contact=None, call_id=None, external_ref=None, reason_codes=["anxiety"], triage_hint="none",
            language=LanguageNeed(language=language, interpreter_needed=interpreter) if language else None)
        return self._add(intake.ReferralReceived.new(case_id=self.case_id, occurred_at=clock, payload=p))

    def linked(self, clock: datetime, effective: datetime, channel: str = "paper") -> dict[str, Any]:
        p = intake.CaseLinkedPayload(linked_channel=channel, linked_source="school_student_health",
                                     linked_clock_start=clock, effective_clock_start=effective,
                                     external_ref=None)
        return self._add(intake.CaseLinked.new(case_id=self.case_id, occurred_at=clock, payload=p))

    def paper(self, written: str, arrived: str) -> dict[str, Any]:
        w, a = date.fromisoformat(written), date.fromisoformat(arrived)
        p = intake.PaperReferralDigitisedPayload(document_sha256="0" * 64, date_written=w, date_arrived=a,
                                                 digitised_at=at(arrived, 14), arrival_delay_days=max(0, (a - w).days))
        return self._add(intake.PaperReferralDigitised.new(case_id=self.case_id, occurred_at=at(arrived, 14), payload=p))

    def advice(self, when: datetime, licensed: bool = True) -> dict[str, Any]:
        p = intake.AdviceGivenPayload(**{**_staff(), "licensed": licensed}, given_at=when, topic_codes=["sleep"])
        return self._add(intake.AdviceGiven.new(case_id=self.case_id, occurred_at=when, payload=p))

    def interview_assessed(self, when: datetime) -> dict[str, Any]:
        p = triage.MedicalAssessmentRecordedByTriagePayload(assessed_at=when, kind="interview", by_role="clinician",
                                                            by_staff_ref="S-2F9K", licensed=True)
        return self._add(triage.InterviewAssessmentRecorded.new(case_id=self.case_id, occurred_at=when, payload=p))

    def signposted(self, when: datetime) -> dict[str, Any]:
        p = intake.SignpostedPayload(**_staff(), destination="social_services", reason="outside_healthcare",
                                     signposted_at=when)
        return self._add(intake.Signposted.new(case_id=self.case_id, occurred_at=when, payload=p))

    def decided(self, when: datetime, level: str, guide: str | None = None,
                supersedes: str | None = None) -> dict[str, Any]:
        guide = guide or level
        p = triage.CareLevelDecidedPayload(level=level, guide_level=guide, rules_version="2024.1",
                                           overridden=guide != level, decided_at=when, by_staff_ref="S-2F9K",
                                           supersedes_level=supersedes, reasons=[], lower_levels_rejected=[],
                                           override_reason="clinical judgement" if guide != level else None)
        return self._add(triage.CareLevelDecided.new(case_id=self.case_id, occurred_at=when, payload=p))

    def booked(self, appointment_id: str, decided: datetime, starts: datetime, level: str = "primary_care",
               unit: str = "hc-ersboda", chosen: bool = False, booked: datetime | None = None,
               visit_type: str = "new_visit", interpreter: str | None = None) -> dict[str, Any]:
        p = booking.AppointmentBookedPayload(
            appointment_id=appointment_id, unit_id=unit, unit_name=unit, unit_municipality="Umeå", level=level,
            visit_type=visit_type, profession="psychologist", starts_at=starts, decided_at=decided,
            wait_days=max(0, (starts.date() - decided.date()).days), patient_chosen_wait=chosen,
            unit_address=None, video_link=None, rebooking_of=None, booked_by="contact_centre", digital=False,
            interpreter=booking.InterpreterBooked(language=interpreter, mode="on_site", agency_ref="TB-1")
            if interpreter else None)
        return self._add(booking.AppointmentBooked.new(case_id=self.case_id, occurred_at=booked or decided, payload=p))

    def appointment(self, kind: str, appointment_id: str, when: datetime, unit: str = "hc-ersboda",
                    reason: str | None = None) -> dict[str, Any]:
        cls = {"cancelled": booking.AppointmentCancelled, "attended": booking.AppointmentAttended,
               "no_show": booking.AppointmentNoShow}[kind]
        p = booking.AppointmentChangePayload(appointment_id=appointment_id, unit_id=unit, at=when, by="unit",
                                             reason=reason)
        return self._add(cls.new(case_id=self.case_id, occurred_at=when, payload=p))

    def seat(self, group_id: str, starts_on: str, sex: str = "female", parents: int = 2,
             booked_from: str = "contact_centre", unit: str = "hc-mariehem") -> dict[str, Any]:
        p = booking.GroupSeatBookedPayload(group_id=group_id, course_kind="parenting_6_12", unit_id=unit,
                                           unit_name=unit, starts_on=date.fromisoformat(starts_on), digital=True,
                                           parents=parents, booked_from=booked_from, child_sex=sex,
                                           location=None)
        return self._add(booking.GroupSeatBooked.new(case_id=self.case_id, occurred_at=at(starts_on) - timedelta(days=7),
                                                     payload=p))

    def dropped(self, group_id: str, when: datetime) -> dict[str, Any]:
        p = booking.GroupDropOutPayload(group_id=group_id, at=when)
        return self._add(booking.GroupDroppedOut.new(case_id=self.case_id, occurred_at=when, payload=p))

    def evaluated(self, group_id: str, when: datetime, satisfaction: str = "nojd", recommend: str = "sannolikt",
                  easier_everyday: str = "en_del_situationer", exchange: str = "bra_givande") -> dict[str, Any]:
        p = booking.GroupEvaluatedPayload(group_id=group_id, at=when, satisfaction=satisfaction, recommend=recommend,
                                          easier_everyday=easier_everyday, exchange=exchange)
        return self._add(booking.GroupEvaluated.new(case_id=self.case_id, occurred_at=when, payload=p))

    def collaboration(self, when: datetime, question: str = "stepwise_adhd_assessment") -> dict[str, Any]:
        p = triage.CollaborationInitiatedPayload(question=question, intervention="joint_assessment",
                                                 health_centre_unit="hc-ersboda", bup_unit="bup-umea",
                                                 initiated_at=when, by_staff_ref="S-2F9K")
        return self._add(triage.CollaborationInitiated.new(case_id=self.case_id, occurred_at=when, payload=p))

    def no_slots(self, when: datetime, units: tuple[str, ...] = ("hc-sorsele",), level: str = "primary_care") -> dict[str, Any]:
        p = booking.NoBookableSlotsPayload(level=level, municipality="Sorsele", promise_days=7, searched_from=when,
                                           searched_to=when + timedelta(days=7),
                                           units=[booking.SearchedUnit(unit_id=u, first_free=None) for u in units],
                                           head_of_unit_refs=["S-HEAD"], waiting_list_position=1)
        return self._add(booking.NoBookableSlots.new(case_id=self.case_id, occurred_at=when, payload=p))

    def interpreter_unavailable(self, when: datetime, starts: datetime, language: str = "ti",
                                unit: str = "hc-ersboda", visit_type: str = "new_visit") -> dict[str, Any]:
        p = booking.InterpreterUnavailablePayload(language=language, unit_id=unit, level="primary_care",
                                                  visit_type=visit_type, starts_at=starts, at=when)
        return self._add(booking.InterpreterUnavailable.new(case_id=self.case_id, occurred_at=when, payload=p))

    def check_in(self, sent: datetime, answered: datetime | None = None, how: str = "same", risk: bool = False,
                 still_wanted: bool = True) -> None:
        nid = f"N-{len(self.events):016d}"
        self._add(notifications.NotificationSent.new(case_id=self.case_id, occurred_at=sent, payload=(
            notifications.NotificationPayload(notification_id=nid, template="check_in", channel="sms",
                                              recipient_kind="family", trigger_event_id="t", at=sent, attempts=1,
                                              error=None))))
        if answered:
            self._add(notifications.CheckInAnswered.new(case_id=self.case_id, occurred_at=answered, payload=(
                notifications.CheckInAnsweredPayload(checkin_id=nid, wait="waiting_list", how=how,
                                                     still_wanted=still_wanted, risk=risk, answered_at=answered))))

    def closed(self, when: datetime, reason: str = "completed") -> dict[str, Any]:
        return self._add(intake.CaseClosed.new(case_id=self.case_id, occurred_at=when,
                                               payload=intake.CaseClosedPayload(reason=reason)))

    def returned(self, when: datetime, reason: str = "advice_enough") -> dict[str, Any]:
        sealed = SealedContact(key_id="P-4Q7T2M9KZ3XW8RB6N1HC", algorithm="fernet", ciphertext="gAAAA")
        p = intake.ReferralReturnedPayload(**_staff(), reason=reason, reasons_version="2026.1", returned_at=when,
                                           advice=sealed)
        self._add(intake.ReferralReturned.new(case_id=self.case_id, occurred_at=when, payload=p))
        return self.closed(when, "returned")


def call(call_id: str, steps: list[tuple[str, datetime]]) -> list[dict[str, Any]]:
    """Telephony events of one call, e.g. [("CallOffered", t0), ("CallAnswered", t1)]."""
    classes = {c.__name__: c for c in intake.EVENTS}
    return [wire(classes[name].new(occurred_at=t, payload=intake.CallPayload(call_id=call_id, line="public_1177", at=t)))
            for name, t in steps]


SEALED = SealedContact(key_id="CB-000000000000", algorithm="fernet", ciphertext="x")


class Callback:
    """The events of one call-back on call `call_id` (ids and windows as intake would give them)."""

    def __init__(self, n: int, call_id: str, reason: str, asked: datetime, window: tuple[datetime, datetime]) -> None:
        self.id, self.call_id, self.window = f"CB-{n:012d}", call_id, window
        self.events: list[dict[str, Any]] = [wire(CallbackPromised.new(occurred_at=asked, payload=CallbackPromisedPayload(
            callback_id=self.id, call_id=call_id, line="public_1177", reason=reason, requested_at=asked,  # type: ignore[arg-type]
            window_start=window[0], window_end=window[1], same_day=window[0].date() == asked.date(),
            chosen_window_kept=None, policy_version="2026.1", contact=SEALED)))]
        self.tries = 0

    def tried(self, when: datetime, reached: bool) -> Callback:
        self.tries += 1
        self.events.append(wire(CallbackAttempted.new(occurred_at=when, payload=CallbackAttemptedPayload(
            callback_id=self.id, call_id=self.call_id, attempt=self.tries, at=when,
            outcome="reached" if reached else "not_reached", window_start=self.window[0], window_end=self.window[1],
            next_try_at=None, by_staff_ref="S-1"))))
        return self

    def failed(self, when: datetime) -> Callback:
        for i in range(3):
            self.tried(when - timedelta(minutes=120 - 60 * i), False)
        self.events.append(wire(CallbackFailed.new(occurred_at=when, payload=CallbackFailedPayload(
            callback_id=self.id, call_id=self.call_id, tries=3, failed_at=when, contact=SEALED))))
        return self

    def cancelled(self, when: datetime) -> Callback:
        self.events.append(wire(CallbackCancelled.new(occurred_at=when, payload=CallbackCancelledPayload(
            callback_id=self.id, call_id=self.call_id, cancelled_at=when, by="caller"))))
        return self


def runway_short(unit: str, when: datetime, reason: str = "runway", last_day: date | None = None) -> dict[str, Any]:
    """Booking's SlotRunwayShort for `unit`, told at `when` (about a unit: no case id)."""
    p = booking.SlotRunwayShortPayload(
        unit_id=unit, unit_name=unit, level="primary_care", promise_days=7, computed_on=when.date(),
        last_day=last_day, last_day_low=last_day, last_day_high=last_day, working_days=0 if last_day is None else 5,
        reason=reason, gap_from=None, gap_to=None, demand_per_day=1.0, policy_version="t",
        head_of_unit_refs=["S-HEAD"])
    return wire(booking.SlotRunwayShort.new(occurred_at=when, payload=p))
