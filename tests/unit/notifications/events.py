"""Incoming events as intake, booking, triage and KPI publish them, with contacts sealed like intake does."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from contracts.booking import (
    AppointmentBooked,
    AppointmentBookedPayload,
    AppointmentCancelled,
    AppointmentChangePayload,
    GroupSeatBooked,
    GroupSeatBookedPayload,
    InterpreterBooked,
    NoBookableSlots,
    NoBookableSlotsPayload,
    ReplacedAppointment,
    SearchedUnit,
)
from contracts.common import ChildProfile, LanguageNeed
from contracts.envelope import Event, new_case_id
from contracts.intake import ReferralReceived, ReferralReceivedPayload
from contracts.kpi import DeviationTagged, DeviationTaggedPayload, GuaranteeAtRisk, GuaranteeAtRiskPayload
from contracts.triage import RiskEscalated, RiskEscalatedPayload
from services.chassis.privacy import KeyVault

REF = "P-4Q7T2M9KZ3XW8RB6N1HC"


def contact(**over: Any) -> dict[str, Any]:
    base = {"name": "Anna Testsson", "phone": "070-123 45 67", "email": "anna@example.se",
            "address": "Storgatan 1, 921 31 Lycksele", "preferred_channel": "sms", "language": "sv",
            "is_young_person": False}
    return {**base, **over}


def referral(vault_url: str, now: datetime, case_id: str | None = None, details: dict[str, Any] | None = None,
             sealed: bool = True, language: LanguageNeed | None = None) -> Event:
    case_id = case_id or new_case_id()
    sealed_contact = KeyVault(vault_url, "intake").seal(REF, details or contact()) if sealed else None
    return ReferralReceived.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=ReferralReceivedPayload(
        channel="edi", source="healthcare", clock_start=now, received_at=now,
        child=ChildProfile(patient_ref=REF, age_years=11, sex="female", municipality="Lycksele"),
        contact=sealed_contact, reason_codes=["anxiety"], school_referral=False, sender_date=None, call_id=None,
        external_ref=None, triage_hint="none", language=language))


def booked(case_id: str, now: datetime, starts_in: timedelta = timedelta(days=5), appointment_id: str = "A-1",
           digital: bool = False, rebooking_of: str | None = None, unit_id: str = "bup-umea",
           replaces: ReplacedAppointment | None = None, interpreter: InterpreterBooked | None = None) -> Event:
    return AppointmentBooked.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=AppointmentBookedPayload(
        appointment_id=appointment_id, unit_id=unit_id, unit_name="BUP Umeå", unit_address="Norrlands universitetssjukhus",
        video_link="https://video.example/v/1" if digital else None, unit_municipality="Umeå", level="bup",
        visit_type="new_visit", profession="psychologist", starts_at=now + starts_in, digital=digital, decided_at=now,
        wait_days=starts_in.days, rebooking_of=rebooking_of, patient_chosen_wait=False, booked_by="contact_centre",
        replaces=replaces, interpreter=interpreter))


def cancelled(case_id: str, now: datetime, appointment_id: str = "A-1") -> Event:
    return AppointmentCancelled.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=AppointmentChangePayload(
        appointment_id=appointment_id, unit_id="bup-umea", at=now, by="family", reason=None))


def group_seat(case_id: str, now: datetime) -> Event:
    return GroupSeatBooked.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=GroupSeatBookedPayload(
        group_id="G-1", course_kind="parenting_6_12", unit_id="hc-mariehem", unit_name="Mariehems hälsocentral",
        location="https://video.example/g/1", starts_on=date(2023, 4, 12), digital=True, parents=2,
        booked_from="contact_centre", child_sex="male"))


def risk(case_id: str, now: datetime) -> Event:
    return RiskEscalated.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=RiskEscalatedPayload(
        interview_id="I-1", items=["suicidal_plan"], severity="acute", raised_at=now, by_staff_ref="S-2F9K"))


def no_slots(case_id: str, now: datetime) -> Event:
    return NoBookableSlots.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=NoBookableSlotsPayload(
        level="primary_care", municipality="Sorsele", promise_days=7, searched_from=now,
        searched_to=now + timedelta(days=7), head_of_unit_refs=["S-HEAD-SORSELE"], waiting_list_position=3,
        units=[SearchedUnit(unit_id="hc-sorsele", first_free=None),
               SearchedUnit(unit_id="hc-mariehem", first_free=now + timedelta(days=12))]))


def deviation(case_id: str, now: datetime) -> Event:
    return DeviationTagged.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=DeviationTaggedPayload(
        rule_id="paper_arrival_over_3_days", rules_version="2024.1", unit_id="hc-mariehem", level="primary_care",
        evidence={"date_written": "2023-03-06", "date_arrived": "2023-03-13"}, tagged_at=now))


def at_risk(case_id: str, now: datetime, days_left: int = 0) -> Event:
    return GuaranteeAtRisk.new(case_id=case_id, occurred_at=now, recorded_at=now, payload=GuaranteeAtRiskPayload(
        clock="assessment_3d", deadline=now + timedelta(hours=8), days_left=days_left, unit_id=None))
