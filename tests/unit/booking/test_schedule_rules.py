"""A unit's times and the waiting list, called directly (no HTTP, no database): which times a unit may open,
overlaps within a file, how a file's refusal is answered, calendar parsing, the weekly count, who waits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.booking.domain.calendar import BadLine, parse_calendar
from services.booking.domain.reference import Profession, Unit, load
from services.booking.domain.schedule import (
    file_refused,
    free_by_week,
    known_unit,
    line_problems,
    overlaps,
    slot_problems,
    too_large,
)
from services.booking.domain.waiting import evidence_units, listed_for, position, reaches, waited_units
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refused

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)
REF = load()


@dataclass(frozen=True)
class New:
    starts_at: datetime
    duration_min: int = 45
    profession: Profession = "psychologist"
    digital: bool = False


def unit(unit_id: str) -> Unit:
    return known_unit(REF, unit_id)


def test_an_unknown_unit_is_404() -> None:
    with pytest.raises(Refused) as refused:
        known_unit(REF, "hc-atlantis")
    assert refused.value.status == 404 and refused.value.errors[0]["code"] == "unknown_unit"


def test_a_unit_opens_future_times_of_its_own_professions_digital_only_if_it_offers_video() -> None:
    sorsele = unit("hc-sorsele")  # counsellors and psychologists, no digital visits
    assert slot_problems(sorsele, New(NOW + timedelta(days=1)), NOW) == []
    bad = slot_problems(sorsele, New(NOW, profession="physician", digital=True), NOW)
    assert [(p.field, p.code, p.status) for p in bad] == [
        ("starts_at", "in_past", 422), ("profession", "not_at_unit", 422), ("digital", "no_digital", 422)]


def test_times_overlap_when_they_share_a_minute_for_the_same_profession() -> None:
    nine = New(NOW)
    assert overlaps(nine, New(NOW + timedelta(minutes=44)))
    assert not overlaps(nine, New(NOW + timedelta(minutes=45)))  # back to back
    assert not overlaps(nine, New(NOW, profession="counsellor"))


def test_a_files_line_names_the_first_earlier_line_it_overlaps() -> None:
    teg, t = unit("hc-teg"), NOW + timedelta(days=1)
    earlier = [(2, New(t)), (3, New(t + timedelta(minutes=30))), (4, New(t + timedelta(minutes=20)))]
    [bad] = line_problems(teg, 5, New(t + timedelta(minutes=25)), earlier, NOW)
    assert (bad.line, bad.code) == (5, "overlap") and "line 2" in bad.en and "rad 2" in bad.sv


def test_a_file_is_refused_in_line_order_409_only_if_every_problem_is_an_overlap() -> None:
    overlaps_only = file_refused([BadLine(7, "ö", "o", "overlap"), BadLine(3, "ö", "o", "overlap")])
    assert overlaps_only.status == 409
    assert [e["en"] for e in overlaps_only.errors] == ["Line 3: o", "Line 7: o"]
    assert all(e["field"] == "calendar" and e["sv"].startswith("Rad ") for e in overlaps_only.errors)
    mixed = file_refused([BadLine(7, "ö", "o", "overlap"), BadLine(3, "ö", "o")])
    assert mixed.status == 422 and [e["code"] for e in mixed.errors] == ["bad_row", "overlap"]
    assert (too_large(512 * 1024).status, too_large(512 * 1024).code) == (413, "too_large")
    assert "512 kB" in too_large(512 * 1024).sv


def test_a_csv_file_is_read_line_by_line_and_every_bad_line_is_named() -> None:
    data = (b"starts_at,duration_min,profession,digital\n"
            b"2026-03-10T09:00:00+01:00,30,counsellor,ja\n"
            b"tomorrow,45,psychologist,\n"
            b"2026-03-11T09:00:00+01:00,long,psychologist,\n")
    rows, bad = parse_calendar("times.csv", data, 10)
    assert rows == [(2, {"starts_at": datetime(2026, 3, 10, 8, 0, tzinfo=UTC), "duration_min": 30,
                         "profession": "counsellor", "visit_type": "new_visit", "digital": True})]
    assert [(b.line, b.code) for b in bad] == [(3, "bad_row"), (4, "bad_row")]


def test_an_icalendar_file_is_read_and_a_file_with_too_many_times_is_413() -> None:
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260310T080000Z\r\n"
           b"DTEND:20260310T090000Z\r\nX-DIGITAL:TRUE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    rows, bad = parse_calendar("times.ics", ics, 10)
    assert bad == [] and rows[0][0] == 3 and rows[0][1]["duration_min"] == 60 and rows[0][1]["digital"] is True
    with pytest.raises(Refused) as refused:
        parse_calendar("times.csv", b"starts_at\n" + b"2026-03-10T09:00:00+01:00\n" * 3, 2)
    assert refused.value.status == 413 and refused.value.errors[0]["code"] == "too_many_rows"
    with pytest.raises(Refused) as header:
        parse_calendar("times.csv", b"when\n2026-03-10T09:00:00+01:00\n", 2)
    assert header.value.errors[0]["code"] == "bad_header"


def test_free_times_are_counted_per_unit_and_iso_week_in_swedish_time() -> None:
    sunday_night = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # Monday 00:30 in Umeå: week 11
    table = free_by_week([("hc-teg", NOW), ("hc-teg", NOW + timedelta(days=1)), ("hc-teg", sunday_night)])
    assert table == {"hc-teg": {"2026-W10": 2, "2026-W11": 1}}


def test_a_case_waits_for_its_near_units_and_the_evidence_names_those_physically_near() -> None:
    waited = waited_units(REF, "Sorsele", "primary_care", 10)
    assert waited_units(REF, "Sorsele", "parenting_group", 10) == []
    assert "hc-kage" in {u.unit_id for u in waited}  # far, but offers digital visits
    near = {u.unit_id for u in evidence_units(REF, "Sorsele", waited)}
    assert "hc-kage" not in near and {"hc-sorsele", "hc-storuman"} <= near
    far_only = [unit("hc-kage")]
    assert evidence_units(REF, "Sorsele", far_only) == far_only  # nothing near: all searched are named


def test_a_freed_time_reaches_a_waiting_family_at_a_unit_they_wait_for_or_by_video() -> None:
    assert reaches("hc-sorsele", False, ["hc-sorsele"])
    assert reaches("hc-kage", True, ["hc-sorsele"])
    assert not reaches("hc-kage", False, ["hc-sorsele"])
    assert listed_for(["hc-sorsele"], None) and listed_for(["hc-sorsele"], "hc-sorsele")
    assert not listed_for(["hc-sorsele"], "hc-teg")
    assert (position(0), position(3)) == (1, 3)
