"""School referrals by channel: the digital form counted apart from paper, each with its own 3-day share."""
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import figure, row


def _paper(written: str, arrived: str, assessed: tuple[str, int]) -> CaseBuilder:
    c = CaseBuilder()
    c.referral(at(written, 0), channel="paper", school=True, received=at(arrived, 8))
    c.paper(written, arrived)
    c.advice(at(*assessed))
    return c


def _digital(submitted: tuple[str, int], assessed: tuple[str, int] | None) -> CaseBuilder:
    c = CaseBuilder()
    c.referral(at(*submitted), channel="school_form", school=True)
    if assessed:
        c.advice(at(*assessed))
    return c


def test_digital_school_referrals_are_counted_apart_from_paper_with_their_own_3_day_share():
    cases = [
        _paper("2023-03-01", "2023-03-06", ("2023-03-06", 10)),  # five days in the post: broken on arrival
        _paper("2023-03-08", "2023-03-09", ("2023-03-10", 9)),  # quick post, assessed on day 2
        _digital(("2023-03-01", 10), ("2023-03-02", 9)),
        _digital(("2023-03-13", 14), ("2023-03-16", 16)),  # day 3 still keeps the promise
        _digital(("2023-03-20", 8), ("2023-03-24", 9)),  # day 4: late
    ]
    edi = CaseBuilder()
    edi.referral(at("2023-03-02"), channel="edi"); edi.advice(at("2023-03-02", 12))  # not a school's: not counted
    events = [e for c in cases for e in c.events] + edi.events
    r = row(figure(events, "school_referrals", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["paper"], r["paper_base"], r["paper_met"], r["share_met_paper"]) == (2, 2, 1, 0.5)
    assert (r["digital"], r["digital_base"], r["digital_met"], r["share_met_digital"]) == (3, 3, 2, 0.6667)
    assert (r["total"], r["share_digital"]) == (5, 0.6)
    by_channel = row(figure(events, "referrals_by_channel", "2023-03-01", "2023-03-31"), "2023-03")
    assert (by_channel["school_form"], by_channel["paper"], by_channel["school"], by_channel["total"]) == (3, 2, 5, 6)


def test_a_referral_still_within_its_days_is_pending_and_out_of_the_share():
    waiting = _digital(("2023-03-30", 9), None)
    done = _digital(("2023-03-02", 9), ("2023-03-03", 9))
    r = row(figure(waiting.events + done.events, "school_referrals", "2023-03-01", "2023-03-31", today="2023-03-31"),
            "2023-03")
    assert (r["digital"], r["digital_pending"], r["digital_base"], r["share_met_digital"]) == (2, 1, 1, 1.0)


def test_school_referrals_fall_in_the_month_their_clock_started():
    c = _paper("2023-03-30", "2023-04-04", ("2023-04-04", 10))
    rows = figure(c.events, "school_referrals", "2023-03-01", "2023-04-30")
    assert (row(rows, "2023-03")["paper"], row(rows, "2023-04")["paper"]) == (1, 0)
