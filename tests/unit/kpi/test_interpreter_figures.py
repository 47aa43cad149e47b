"""Children who need an interpreter, per month of their contact: how many, first visits with an interpreter, and
those with a first-visit time not offered because no interpreter was free (the seeds' "språkliga svårigheter")."""
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import figure, row


def test_interpreter_need_first_visits_and_times_not_offered_for_language_are_counted():
    booked_with = CaseBuilder()
    booked_with.referral(at("2023-03-01"), language="ar", interpreter=True)
    booked_with.decided(at("2023-03-02"), "primary_care")
    booked_with.booked("A-1", at("2023-03-02"), at("2023-03-06"), interpreter="ar")
    refused_then_booked = CaseBuilder()
    refused_then_booked.referral(at("2023-03-03"), language="ti", interpreter=True)
    refused_then_booked.interpreter_unavailable(at("2023-03-04"), at("2023-03-07", 9))
    refused_then_booked.interpreter_unavailable(at("2023-03-04"), at("2023-03-07", 9))  # told twice: one time
    refused_then_booked.interpreter_unavailable(at("2023-03-04", 11), at("2023-03-08", 9))
    refused_then_booked.booked("A-2", at("2023-03-02"), at("2023-03-09"), interpreter="ti")
    still_waiting = CaseBuilder()
    still_waiting.referral(at("2023-03-10"), language="sju", interpreter=True)
    still_waiting.interpreter_unavailable(at("2023-03-11"), at("2023-03-14", 9), language="sju")
    plain = CaseBuilder()
    plain.referral(at("2023-03-05"))
    swedish_speaking_arabic_family = CaseBuilder()  # a language told, no interpreter needed: not counted as needing
    swedish_speaking_arabic_family.referral(at("2023-03-06"), language="ar", interpreter=False)
    events = [e for c in (booked_with, refused_then_booked, still_waiting, plain, swedish_speaking_arabic_family)
              for e in c.events]
    r = row(figure(events, "interpreters", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["children"], r["needing_interpreter"], r["first_visit_with_interpreter"]) == (5, 3, 2)
    assert (r["not_offered_for_language"], r["waiting_for_first_visit"], r["times_not_offered"]) == (2, 1, 3)
    assert (r["share_needing_interpreter"], r["share_not_offered_for_language"]) == (0.6, 0.4)
    assert r["share_with_interpreter"] == 0.6667


def test_a_linked_contact_that_says_an_interpreter_is_needed_counts_the_child():
    c = CaseBuilder()
    c.referral(at("2023-03-01"))
    linked = c.linked(at("2023-03-02"), at("2023-03-01"))
    linked["payload"]["language"] = {"language": "so", "interpreter_needed": True}
    r = row(figure(c.events, "interpreters", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["children"], r["needing_interpreter"]) == (1, 1)


def test_a_first_visit_booked_without_an_interpreter_is_counted_as_such():
    c = CaseBuilder()
    c.referral(at("2023-03-01"), language="fa", interpreter=True)
    c.booked("A-9", at("2023-03-02"), at("2023-03-06"))  # e.g. from the waiting list before the need was known
    r = row(figure(c.events, "interpreters", "2023-03-01", "2023-03-31"), "2023-03")
    assert (r["first_visit_with_interpreter"], r["first_visit_without"]) == (0, 1)
