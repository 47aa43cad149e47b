"""What a case is offered, called directly (no HTTP, no database): the levels booked here, the ranking, the
promise's deadline and the wait in Swedish calendar days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contracts.booking import VisitType
from services.booking.domain.offers import (
    candidates,
    is_bookable,
    near_units,
    promise_deadline,
    rank,
    serving_units,
    unit_level,
    wait_days,
    why_not_offer,
    within_promise,
)
from services.booking.domain.reference import Profession, load
from services.chassis.clock import STOCKHOLM

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)  # a Monday
REF = load()


@dataclass(frozen=True)
class Time:
    slot_id: str
    unit_id: str
    starts_at: datetime
    digital: bool = False
    profession: Profession = "psychologist"
    visit_type: VisitType = "new_visit"


def test_only_primary_care_bup_and_urgent_are_booked_into_times() -> None:
    assert all(is_bookable(level) for level in ("primary_care", "bup", "urgent"))
    assert not any(is_bookable(level) for level in ("parenting_group", "signposting", None))
    refused = why_not_offer("parenting_group")
    assert refused is not None and (refused.code, refused.status) == ("not_bookable", 409)
    assert why_not_offer("bup") is None
    assert (unit_level("bup"), unit_level("urgent"), unit_level("primary_care")) == ("specialist",) * 2 + ("first_line",)


def test_the_wait_counts_calendar_days_in_swedish_time_with_the_decision_day_as_day_0() -> None:
    decided = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Umeå
    assert wait_days(decided, decided + timedelta(hours=1)) == 1  # 00:30 the next Swedish day, same UTC day
    assert wait_days(decided, decided - timedelta(hours=3)) == 0  # never negative
    assert wait_days(NOW, NOW + timedelta(days=3, hours=8)) == 3


def test_the_promise_ends_at_midnight_after_its_last_day() -> None:
    assert promise_deadline(REF, "primary_care", NOW) == datetime(2026, 3, 10, 0, 0, tzinfo=STOCKHOLM)
    assert promise_deadline(REF, "urgent", NOW) == datetime(2026, 3, 4, 0, 0, tzinfo=STOCKHOLM)


def test_offers_rank_nearest_first_digital_counting_as_near_and_urgent_cases_earliest_first() -> None:
    units = serving_units(REF, "primary_care", 10)
    times = [Time("T-FAR", "hc-kage", NOW + timedelta(hours=12)),            # Skellefteå: far, earliest
             Time("T-NEIGHBOUR", "hc-ersboda", NOW + timedelta(days=1)),     # Umeå: Vännäs's neighbour
             Time("T-OWN", "hc-vannas", NOW + timedelta(days=3)),            # the family's own municipality
             Time("T-VIDEO", "hc-priv-citykliniken", NOW + timedelta(days=2), digital=True),
             Time("T-BUP", "bup-umea", NOW + timedelta(hours=1))]            # not a first-line unit
    cands = candidates(REF, "Vännäs", units, times)
    assert [c.slot_id for c in rank("primary_care", cands)] == ["T-VIDEO", "T-OWN", "T-NEIGHBOUR", "T-FAR"]
    assert rank("urgent", cands)[0].slot_id == "T-FAR"


def test_within_the_promise_means_before_the_deadline_at_a_unit_near_or_offering_video() -> None:
    units = serving_units(REF, "primary_care", 10)
    times = [Time("T-LATE", "hc-kage", NOW + timedelta(days=8)),         # the family's own municipality, too late
             Time("T-FAR", "hc-sorsele", NOW + timedelta(days=1)),       # far, and no digital visits there
             Time("T-VIDEO-UNIT", "hc-ersboda", NOW + timedelta(days=2)),  # far, but the unit offers video
             Time("T-NEAR", "hc-kage", NOW + timedelta(days=7, hours=14))]  # the last day of the promise
    kept = within_promise(REF, "primary_care", NOW, "Skellefteå", 10, candidates(REF, "Skellefteå", units, times))
    assert [c.slot_id for c in kept] == ["T-VIDEO-UNIT", "T-NEAR"]


def test_the_specialist_level_is_searched_county_wide() -> None:
    assert {u.unit_id for u in near_units(REF, "Sorsele", "bup", 10)} == {"bup-umea", "bup-skelleftea", "bup-lycksele"}
    assert "hc-kage" not in serving_units(REF, "bup", 10)
