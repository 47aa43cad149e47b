"""Booking's status rules called directly (no HTTP, no database): decisions, holds, one live appointment,
cancelling and marking attendance, each answering with the refusal the API sends."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from contracts.common import CareLevel
from services.booking.domain.appointments import (
    AppointmentStatus,
    already_booked,
    decision,
    looks_free,
    status_after,
    video_link,
    why_hold_books_nothing,
    why_not_book,
    why_not_cancel,
    why_not_hold,
    why_not_mark,
)
from services.booking.domain.reference import Unit, load
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)
REF = load()


def code(refusal: Refusal | None) -> str | None:
    return refusal.code if refusal else None


def unit(unit_id: str) -> Unit:
    found = REF.unit(unit_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class Appt:
    appointment_id: str = "A-1"
    unit_id: str = "hc-teg"
    starts_at: datetime = NOW + timedelta(days=2)
    status: AppointmentStatus = "booked"
    replaced_by: str | None = None


def test_a_case_without_a_decided_level_or_time_is_refused_with_409_no_decision() -> None:
    undecided: list[tuple[CareLevel | None, datetime | None]] = [(None, NOW), ("bup", None)]
    for level, at in undecided:
        with pytest.raises(Refused) as refused:
            decision(level, at)
        assert refused.value.status == 409 and refused.value.errors[0]["code"] == "no_decision"
    assert decision("bup", NOW).level == "bup"


def test_a_time_looks_free_when_free_or_its_hold_has_expired_and_it_has_not_begun() -> None:
    later = NOW + timedelta(hours=1)
    assert looks_free("free", None, later, NOW)
    assert looks_free("held", NOW - timedelta(minutes=1), later, NOW)
    assert not looks_free("held", NOW + timedelta(minutes=1), later, NOW)
    assert not looks_free("booked", None, later, NOW)
    assert not looks_free("free", None, NOW, NOW)  # begins now: too late to hold


def test_holding_checks_the_unit_the_age_the_level_and_that_the_time_is_free_in_that_order() -> None:
    teg, bup = unit("hc-teg"), unit("bup-umea")
    teen_only = teg.model_copy(update={"ages": (13, 17)})
    unknown = why_not_hold(None, 10, "primary_care", True)
    assert unknown is not None and (unknown.code, unknown.status) == ("unknown_slot", 404)
    age = why_not_hold(teen_only, 10, "bup", False)
    assert age is not None and age.code == "age_not_taken" and teen_only.name in age.sv and age.status == 422
    assert code(why_not_hold(teg, 10, "bup", False)) == "wrong_level"
    assert code(why_not_hold(bup, 10, "primary_care", True)) == "wrong_level"
    taken = why_not_hold(teg, 10, "primary_care", False)
    assert taken is not None and (taken.code, taken.status) == ("slot_taken", 409)
    assert why_not_hold(teg, 10, "primary_care", True) is None
    assert why_not_hold(bup, 10, "urgent", True) is None  # urgent is seen at BUP


def test_a_hold_that_booked_nothing_says_why() -> None:
    unknown = why_hold_books_nothing(None, None, None, NOW)
    assert (unknown.code, unknown.status) == ("unknown_hold", 404)
    assert code(why_hold_books_nothing("T-1", NOW + timedelta(minutes=3), "T-2", NOW)) == "wrong_hold"
    assert code(why_hold_books_nothing("T-1", NOW - timedelta(seconds=1), "T-1", NOW)) == "hold_expired"
    assert code(why_hold_books_nothing("T-1", NOW, None, NOW)) == "hold_expired"
    gone = why_hold_books_nothing("T-1", NOW + timedelta(minutes=3), None, NOW)
    assert (gone.field, gone.code, gone.status) == ("hold_token", "slot_taken", 409)


def test_a_child_has_one_live_appointment_and_a_rebooking_moves_exactly_that_one() -> None:
    live = Appt(starts_at=datetime(2026, 3, 4, 13, 30, tzinfo=STOCKHOLM))
    refused = why_not_book(live, None)
    assert refused is not None and refused.code == "already_booked" and refused.status == 409
    assert "2026-03-04 13:30 (hc-teg, A-1)" in refused.sv and "move it with a re-booking" in refused.en
    assert why_not_book(None, None) is None
    assert why_not_book(live, "A-1") is None
    assert code(why_not_book(live, "A-2")) == "not_live"
    assert code(why_not_book(None, "A-1")) == "not_live"
    assert already_booked(None).en == "The child already has a booked time."


def test_the_booked_time_is_shown_in_swedish_time_whatever_zone_it_was_read_in() -> None:
    utc = datetime(2026, 3, 4, 12, 30, tzinfo=STOCKHOLM).astimezone(UTC)  # 11:30 in UTC
    assert "2026-03-04 12:30" in already_booked(Appt(starts_at=utc)).sv


def test_only_a_booked_appointment_is_cancelled_and_a_moved_one_names_its_new_time() -> None:
    assert why_not_cancel(Appt()) is None
    assert code(why_not_cancel(Appt(status="cancelled"))) == "already_cancelled"
    moved = why_not_cancel(Appt(status="replaced", replaced_by="A-9"))
    assert moved is not None and moved.code == "replaced" and "A-9" in moved.sv and "A-9" in moved.en
    done: AppointmentStatus
    for done in ("attended", "no_show"):
        refused = why_not_cancel(Appt(status=done))
        assert refused is not None and (refused.code, refused.status) == ("not_booked", 409)


def test_attendance_is_marked_on_a_booked_visit_once_its_time_has_come() -> None:
    due = Appt(starts_at=NOW - timedelta(minutes=5))
    assert why_not_mark(due, NOW) is None
    early = why_not_mark(replace(due, starts_at=NOW + timedelta(minutes=5)), NOW)
    assert early is not None and (early.code, early.status) == ("not_yet", 422)
    assert code(why_not_mark(replace(due, status="cancelled"), NOW)) == "not_booked"
    assert (status_after("attended"), status_after("no-show")) == ("attended", "no_show")


def test_only_a_digital_visit_has_a_video_link() -> None:
    assert video_link("A-1", True) == "https://video.regionvasterbotten.example/A-1"
    assert video_link("A-1", False) is None
