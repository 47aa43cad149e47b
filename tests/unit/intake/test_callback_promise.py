"""The promised call-back window, by hand-made mornings: same day until the cut-off, the cap per window, the next
opening morning, the caller's own window, the tries after a caller was not reached."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refused
from services.intake.domain.callback_policy import CallbackPolicy, WaitRules
from services.intake.domain.callbacks import Window, after_try, overdue, promise_window, windows_on, within_hours
from services.intake.reference import load_callback_policy

WAIT = WaitRules(default_handle_seconds=540, min_samples=5, sample_hours=3, queue_seen_hours=2,
                 offer_callback_above_seconds=300, queue_capacity=20)
# A policy made for the tests (not the shipped file): Mon-Thu 8-16, Fri 8-15, Tuesday 2023-03-21 a closed day.
POLICY = CallbackPolicy(
    version="test", opening_hours={"mon": (time(8), time(16)), "tue": (time(8), time(16)), "wed": (time(8), time(16)),
                                   "thu": (time(8), time(16)), "fri": (time(8), time(15))},
    closed_dates=(date(2023, 3, 21),), window_minutes=60, cap_per_window=2, lead_minutes=15,
    same_day_cutoff=time(14, 30), retry_after_minutes=(30, 90), take_expires_minutes=20, wait=WAIT)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2023: the 14th is a Tuesday, the 17th a Friday, the 20th a Monday."""
    return datetime(2023, 3, day, hour, minute, tzinfo=STOCKHOLM)


def test_a_morning_call_is_promised_the_next_whole_window_that_day() -> None:
    p = promise_window(at(14, 9, 10), {}, POLICY)
    assert (p.window.start, p.window.end, p.same_day, p.chosen_kept) == (at(14, 10), at(14, 11), True, None)


def test_the_lead_time_pushes_a_call_just_before_the_hour_to_the_window_after() -> None:
    assert promise_window(at(14, 8, 50), {}, POLICY).window.start == at(14, 10)
    assert promise_window(at(14, 8, 40), {}, POLICY).window.start == at(14, 9)


def test_a_call_before_opening_is_promised_the_first_window() -> None:
    assert promise_window(at(14, 6, 30), {}, POLICY).window == Window(at(14, 8), at(14, 9))


def test_a_full_window_passes_the_promise_to_the_next_one() -> None:
    load = {at(14, 10): 2, at(14, 11): 1}
    assert promise_window(at(14, 9, 10), load, POLICY).window.start == at(14, 11)
    assert promise_window(at(14, 9, 10), {**load, at(14, 11): 2}, POLICY).window.start == at(14, 12)


def test_after_the_cut_off_the_promise_is_the_next_opening_morning() -> None:
    p = promise_window(at(14, 14, 30), {}, POLICY)
    assert (p.window.start, p.same_day) == (at(15, 8), False)


def test_before_the_cut_off_but_every_window_left_full_also_goes_to_the_next_morning() -> None:
    full = {at(14, h): 2 for h in range(8, 16)}
    p = promise_window(at(14, 13, 0), full, POLICY)
    assert (p.window.start, p.same_day) == (at(15, 8), False)


def test_friday_afternoon_is_promised_monday_morning_and_a_closed_day_is_skipped() -> None:
    assert promise_window(at(17, 14, 45), {}, POLICY).window.start == at(20, 8)
    assert promise_window(at(20, 15, 0), {}, POLICY).window.start == at(22, 8)  # Tue 21st is closed


def test_friday_closes_earlier_so_its_last_window_ends_at_three() -> None:
    assert windows_on(date(2023, 3, 17), POLICY)[-1] == Window(at(17, 14), at(17, 15))
    assert windows_on(date(2023, 3, 18), POLICY) == []  # Saturday


def test_the_callers_window_is_kept_when_a_window_with_room_starts_in_it() -> None:
    p = promise_window(at(14, 9, 10), {at(14, 13): 2}, POLICY, chosen=Window(at(14, 13), at(14, 15)))
    assert (p.window.start, p.chosen_kept) == (at(14, 14), True)


def test_a_chosen_window_without_room_falls_back_to_the_rule_and_says_so() -> None:
    p = promise_window(at(14, 9, 10), {at(14, 13): 2}, POLICY, chosen=Window(at(14, 13), at(14, 14)))
    assert (p.window.start, p.chosen_kept) == (at(14, 10), False)


def test_a_chosen_window_tomorrow_is_kept_even_after_the_cut_off() -> None:
    p = promise_window(at(14, 15, 0), {}, POLICY, chosen=Window(at(15, 12), at(15, 13)))
    assert (p.window.start, p.same_day, p.chosen_kept) == (at(15, 12), False, True)


def test_no_window_in_a_month_is_refused() -> None:
    closed = POLICY.model_copy(update={"closed_dates": tuple(date(2023, 3, 14) + timedelta(days=n) for n in range(40))})
    with pytest.raises(Refused) as exc:
        promise_window(at(14, 9), {}, closed)
    assert exc.value.refusals[0].code == "no_window"


def test_not_reached_sets_the_second_try_after_thirty_minutes_and_the_third_after_ninety() -> None:
    second = after_try(0, False, at(14, 10, 5), POLICY)
    assert (second.status, second.next_try_at) == ("waiting", at(14, 10, 35))
    third = after_try(1, False, at(14, 10, 40), POLICY)
    assert (third.status, third.next_try_at) == ("waiting", at(14, 12, 10))
    assert after_try(2, False, at(14, 12, 15), POLICY).status == "failed"
    assert after_try(1, True, at(14, 10, 40), POLICY).status == "reached"


def test_a_retry_that_would_fall_after_closing_is_set_for_the_next_opening() -> None:
    assert after_try(1, False, at(14, 15, 0), POLICY).next_try_at == at(15, 8)
    assert within_hours(at(17, 15, 10), POLICY) == at(20, 8)


def test_a_first_try_is_overdue_once_its_window_has_ended_and_a_retry_a_window_after_it_was_due() -> None:
    w = Window(at(14, 10), at(14, 11))
    assert not overdue(w, None, at(14, 11), POLICY) and overdue(w, None, at(14, 11, 1), POLICY)
    assert not overdue(w, at(14, 11, 30), at(14, 12, 30), POLICY)
    assert overdue(w, at(14, 11, 30), at(14, 12, 31), POLICY)


def test_the_shipped_policy_file_is_pinned() -> None:
    """Changing the promise changes what callers hear: this test is updated with the file's version."""
    p = load_callback_policy()
    assert p.version == "2026.1"
    assert (p.window_minutes, p.cap_per_window, p.lead_minutes, p.same_day_cutoff) == (60, 6, 15, time(14, 30))
    assert p.retry_after_minutes == (30, 90) and p.tries == 3
    assert p.opening_hours["mon"] == (time(8), time(16)) and p.opening_hours["fri"] == (time(8), time(15))
    assert "sat" not in p.opening_hours and date(2026, 12, 24) in p.closed_dates


def test_a_policy_that_closes_before_it_opens_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="open before it closes"):
        CallbackPolicy.model_validate({**POLICY.model_dump(), "opening_hours": {"mon": ("16:00", "08:00")}})
