"""Call-back figures against a hand-computed day: promised, kept within the window, kept the same day, failed
after three tries, cancelled, still waiting; queue-full calls apart; per day and per hour of day."""
from __future__ import annotations

from typing import Any

from .builders import Callback, at, call
from .helpers import figure, row

D, NEXT = "2023-03-14", "2023-03-15"


def tuesday() -> list[dict[str, Any]]:
    """A Tuesday worked by hand (the expected figures are written out in the tests below)."""
    full = lambda cid, h, m: call(cid, [("CallOffered", at(D, h, m)), ("QueueFull", at(D, h, m))])  # noqa: E731
    chose = lambda cid, h, m: call(cid, [("CallOffered", at(D, h, m)), ("CallQueued", at(D, h, m)),  # noqa: E731
                                         ("CallbackScheduled", at(D, h, m + 2))])
    events = full("A", 8, 10) + chose("B", 8, 30) + full("C", 9, 5) + full("D", 14, 40) + chose("E", 13, 10)
    events += full("F", 8, 50) + chose("H", 15, 30)  # F: turned away, left no number
    callbacks = [
        Callback(1, "A", "queue_full", at(D, 8, 10), (at(D, 9), at(D, 10))).tried(at(D, 9, 20), True),
        Callback(2, "B", "chosen", at(D, 8, 32), (at(D, 10), at(D, 11))).tried(at(D, 10, 5), False)
        .tried(at(D, 10, 40), True),
        Callback(3, "C", "queue_full", at(D, 9, 5), (at(D, 11), at(D, 12))).tried(at(D, 12, 30), True),
        Callback(4, "D", "queue_full", at(D, 14, 40), (at(NEXT, 8), at(NEXT, 9))).tried(at(NEXT, 8, 15), True),
        Callback(5, "E", "chosen", at(D, 13, 12), (at(D, 14), at(D, 15))).failed(at(D, 15, 50)),
        Callback(6, "web-KO-1", "self_referral", at(D, 10, 15), (at(D, 11), at(D, 12))).cancelled(at(D, 10, 50)),
        Callback(7, "H", "chosen", at(D, 15, 32), (at(NEXT, 8), at(NEXT, 9))),
    ]
    return events + [e for cb in callbacks for e in cb.events]


def test_a_worked_tuesday_counts_kept_failed_cancelled_and_waiting_as_by_hand() -> None:
    r = row(figure(tuesday(), "callbacks", D, NEXT, grain="day"), D)
    assert (r["promised"], r["from_queue_full"], r["from_chosen"], r["from_self_referral"]) == (7, 3, 3, 1)
    assert r["queue_full"] == 4  # A, C, D and F met the full queue; F left no number
    # decided: A, B, C, D reached, E failed; G (the form) cancelled; H still waiting
    assert (r["decided"], r["kept_in_window"], r["kept_same_day"], r["failed"]) == (5, 3, 3, 1)
    assert (r["cancelled"], r["waiting"]) == (1, 1)
    assert (r["share_kept_in_window"], r["share_kept_same_day"], r["share_failed"]) == (0.6, 0.6, 0.2)
    assert row(figure(tuesday(), "callbacks", D, NEXT, grain="day"), NEXT)["promised"] == 0


def test_before_the_next_morning_the_overnight_promise_is_still_waiting() -> None:
    r = row(figure(tuesday(), "callbacks", D, D, grain="day"), D)
    assert r["waiting"] == 1 and r["decided"] == 5  # D's reach is on the 15th but already folded in


def test_per_hour_of_day_shows_when_call_backs_are_asked_and_the_queue_is_full() -> None:
    rows = figure(tuesday(), "callbacks", D, D, grain="day", by="hour")
    by_hour = {r["hour"]: (r["promised"], r["queue_full"]) for r in rows}
    assert by_hour == {"08": (2, 2), "09": (1, 1), "10": (1, 0), "13": (1, 0), "14": (1, 1), "15": (1, 0)}


def test_per_reason_and_per_month_agree_with_the_day() -> None:
    rows = {r["reason"]: r for r in figure(tuesday(), "callbacks", "2023-03-01", "2023-03-31", by="reason")}
    assert rows["queue_full"]["promised"] == 3 and rows["queue_full"]["queue_full"] == 4
    assert rows["self_referral"]["cancelled"] == 1 and rows["chosen"]["failed"] == 1
    month = row(figure(tuesday(), "callbacks", "2023-03-01", "2023-03-31"), "2023-03")
    assert (month["promised"], month["kept_in_window"]) == (7, 3)


def test_the_phone_figure_ignores_a_form_call_back_and_still_counts_queue_full_apart() -> None:
    r = row(figure(tuesday(), "calls", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["offered"], r["queue_full"]) == (3, 4)  # B, E, H offered; the form's call-back is no call
