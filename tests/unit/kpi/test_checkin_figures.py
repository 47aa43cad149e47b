"""Check-ins with waiting families per month: sent, answered, worse, escalated, no longer needed, and the cases a
person closed after the family said they no longer need the time; other messages are not counted."""
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import figure, row


def test_check_ins_are_counted_in_the_month_each_thing_happened():
    worse, risk, gone, silent, plain = (CaseBuilder() for _ in range(5))
    for c in (worse, risk, gone, silent, plain):
        c.referral(at("2023-02-01"))
    worse.check_in(at("2023-03-01", 17), at("2023-03-01", 19), how="worse")
    risk.check_in(at("2023-03-02", 17), at("2023-03-03", 8), how="same", risk=True)
    gone.check_in(at("2023-03-30", 17), at("2023-04-01", 9), how="better", still_wanted=False)
    gone.closed(at("2023-04-02", 10), reason="withdrawn")
    silent.check_in(at("2023-03-05", 17))  # sent, never answered
    plain.closed(at("2023-03-10"))  # closed without a check-in: not counted
    events = [e for c in (worse, risk, gone, silent, plain) for e in c.events]
    rows = figure(events, "checkins", "2023-03-01", "2023-04-30")
    march, april = row(rows, "2023-03"), row(rows, "2023-04")
    assert (march["sent"], march["answered"], march["worse"], march["escalated"]) == (4, 2, 1, 1)
    assert (april["answered"], april["no_longer_needed"], april["closed_no_longer_needed"]) == (1, 1, 1)
    assert march["share_answered"] == 0.5
