"""Returned referrals per month, by reason and by referrer type: the region's analysis of returned referrals."""
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import figure, row


def _case(clock: str, channel: str, returned: tuple[str, str] | None = None, school: bool = False) -> CaseBuilder:
    c = CaseBuilder()
    c.referral(at(clock), channel=channel, school=school)
    if returned:
        c.returned(at(returned[0], 11), returned[1])
    return c


CASES = [
    _case("2023-03-01", "edi", ("2023-03-02", "advice_enough")),
    _case("2023-03-03", "edi", ("2023-03-06", "incomplete")),
    _case("2023-03-07", "paper", ("2023-03-08", "school_first"), school=True),
    _case("2023-03-28", "school_form", ("2023-04-03", "school_first"), school=True),  # returned in April
    _case("2023-03-09", "edi"),
    _case("2023-03-10", "phone"),  # a call is no referral
]
EVENTS = [e for c in CASES for e in c.events]


def test_returned_referrals_are_counted_in_the_month_of_the_return_beside_the_referrals():
    rows = figure(EVENTS, "returned_referrals", "2023-03-01", "2023-04-30")
    march, april = row(rows, "2023-03"), row(rows, "2023-04")
    assert (march["returned"], march["referrals"], march["share_returned"]) == (3, 5, 0.6)
    assert (april["returned"], april["referrals"]) == (1, 0)


def test_returned_referrals_by_reason_and_by_referrer_type():
    by_reason = figure(EVENTS, "returned_referrals", "2023-03-01", "2023-04-30", by="reason")
    counts = {(r["period"], r["reason"]): r["returned"] for r in by_reason}
    assert counts == {("2023-03", "advice_enough"): 1, ("2023-03", "incomplete"): 1, ("2023-03", "school_first"): 1,
                      ("2023-04", "school_first"): 1}
    by_referrer = figure(EVENTS, "returned_referrals", "2023-03-01", "2023-03-31", by="referrer")
    march = {r["referrer"]: (r["returned"], r["referrals"]) for r in by_referrer}
    assert march == {"edi": (2, 3), "paper": (1, 1), "school": (0, 1)}
