"""Parent groups and BUP stages, called directly (no HTTP, no database): course kinds, one seat per family,
drop-outs, one evaluation per seat; which stage, whose case, the order of the dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from services.booking.domain.groups import (
    group_id,
    location,
    why_not_drop_out,
    why_not_evaluate,
    why_not_seat,
    why_not_start,
)
from services.booking.domain.reference import load
from services.booking.domain.stages import stage, why_not_report, why_not_started
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)
REF = load()


@dataclass(frozen=True)
class Seat:
    dropped_out_at: datetime | None = None
    evaluated_at: datetime | None = None


def code(refusal: Refusal | None) -> str | None:
    return refusal.code if refusal else None


def test_a_course_is_of_a_kind_the_units_file_names_and_its_id_starts_with_its_day() -> None:
    assert why_not_start(REF, "parenting_adhd") is None
    refused = why_not_start(REF, "yoga")
    assert refused is not None and (refused.field, refused.code, refused.status) == ("course_kind", "unknown_kind", 422)
    assert group_id(date(2026, 4, 1), "3F2A") == "G-20260401-3F2A"


def test_a_family_has_one_seat_leaves_once_and_evaluates_once() -> None:
    assert why_not_seat(None) is None
    seated = why_not_seat(Seat())
    assert seated is not None and (seated.code, seated.status) == ("already_seated", 409)
    assert code(why_not_drop_out(None)) == "no_seat"
    assert code(why_not_drop_out(Seat(dropped_out_at=NOW))) == "no_seat"
    assert why_not_drop_out(Seat()) is None
    assert code(why_not_evaluate(None)) == "no_seat"
    evaluated = why_not_evaluate(Seat(evaluated_at=NOW))
    assert evaluated is not None and (evaluated.code, evaluated.status) == ("already_evaluated", 409)
    assert why_not_evaluate(Seat(dropped_out_at=NOW)) is None  # parents who left may still answer


def test_a_digital_group_meets_by_video_and_another_at_the_units_address() -> None:
    teg = REF.unit("hc-teg")
    assert location("G-1", True, teg) == "https://video.regionvasterbotten.example/g/G-1"
    assert teg is not None and location("G-1", False, teg) == teg.address
    assert location("G-1", False, None) is None


def test_a_stage_is_investigation_or_treatment_refused_otherwise_with_field_stage() -> None:
    assert stage("investigation") == "investigation" and stage("treatment") == "treatment"
    with pytest.raises(Refused) as refused:
        stage("surgery")
    assert refused.value.status == 422
    assert refused.value.errors == [{"field": "stage", "location": "body", "code": "enum",
                                     "sv": "Steget ska vara investigation eller treatment.",
                                     "en": "stage must be investigation or treatment."}]


def test_stages_are_reported_only_for_a_known_case_decided_for_bup() -> None:
    assert why_not_report(True, "bup") is None
    for known, level in ((False, None), (True, "primary_care"), (True, None)):
        refused = why_not_report(known, level)
        assert refused is not None and (refused.code, refused.status) == ("not_bup", 409)


def test_a_stage_cannot_start_before_it_was_decided() -> None:
    assert why_not_started(None, NOW) is None
    assert why_not_started(NOW, NOW) is None
    late = why_not_started(NOW + timedelta(days=1), NOW)
    assert late is not None and (late.field, late.code) == ("decided_at", "range")
