"""A morning's worth of cases through the public APIs, so every workspace screen has something to show.

A waiting call, a call that became a booked case, a referral decided with no time to be had (the unit's
waiting list and a deviation), a proposal not yet decided, a risk escalation, a collaboration on the board,
a school form and a paper referral. The browser tests then look at what staff see of it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from kontakt.client import Journey, Staff, personnummer
from services.chassis.clock import STOCKHOLM
from services.chassis.issuer import LocalIssuer


@dataclass
class Story:
    """The ids of what was made, for the pages that show one case; and the raw ids no page may show."""

    waiting_call: str = ""
    booked_case: str = ""
    proposal_case: str = ""
    risk_case: str = ""
    no_slots_case: str = ""
    school_case: str = ""
    paper_case: str = ""
    broken_case: str = ""
    school_ref: str = ""  # the school's receipt reference (SR-…), shown to the school that sent it
    raw_ids: list[str] = field(default_factory=list)


def child(rng: random.Random, years: int, municipality: str) -> dict[str, str]:
    today = date.today()
    born = date(today.year - years, rng.randint(1, 12), rng.randint(1, 28))
    return {"identity_number": personnummer(born, rng, female=rng.random() < .5), "municipality": municipality}


def at_local(days_ahead: int, hour: int) -> datetime:
    day = (datetime.now(STOCKHOLM) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)


def bup_without_times(j: Journey, kid: dict[str, str], phone: str, written: date | None = None) -> str:
    case_id: str = j.edi_referral(kid, {"phone": phone, "preferred_channel": "sms"}, written or date.today(),
                                  reasons=["low_mood"])["case_id"]
    j.advice(case_id)
    j.wait_for_triage_case(case_id)
    j.interview(case_id, "bup")
    j.decide(case_id)
    return case_id


def tell(urls: dict[str, str], issuer: LocalIssuer, seed: int = 22) -> Story:
    rng = random.Random(seed)
    j = Journey(Staff(urls, issuer))
    s = Story()
    now = datetime.now(UTC)
    tag = f"{now:%H%M%S%f}"
    # beyond the 7-day promise: the other browser tests count on no first-line time near Sorsele within it
    for hour in (8, 16):
        slot = j.add_slot("hc-stenbergska", at_local(9, hour))
        s.raw_ids.append(slot["slot_id"])

    # a call answered and not yet taken: it waits in the queue
    s.waiting_call = f"call-wait-{tag}"
    j.call(s.waiting_call, [("CallOffered", now - timedelta(minutes=6)), ("CallQueued", now - timedelta(minutes=6)),
                            ("CallAnswered", now - timedelta(minutes=1))])
    # a call that became a case, assessed, decided for primary care and booked
    booked_call = f"call-book-{tag}"
    j.call(booked_call, [("CallOffered", now - timedelta(minutes=30)), ("CallQueued", now - timedelta(minutes=30)),
                         ("CallAnswered", now - timedelta(minutes=27))])
    s.booked_case = j.case_from_call(booked_call, child(rng, 9, "Lycksele"),
                                     {"phone": "+46705550101", "preferred_channel": "sms"}, reasons=["anxiety"])["case_id"]
    j.advice(s.booked_case, ["sleep"])
    j.wait_for_triage_case(s.booked_case)
    j.interview(s.booked_case, "primary_care")
    j.decide(s.booked_case)
    appt = j.book_first_offer(s.booked_case)
    assert appt, "the story's booking found no offer"
    s.raw_ids += [booked_call, appt["appointment_id"]]

    # decided for BUP, where no times are open: BUP Umeå's waiting list and an alert
    s.no_slots_case = bup_without_times(j, child(rng, 8, "Umeå"), "+46705550102")

    # interviewed, the guide's proposal not yet decided; the coordinators start two-level care on it
    s.proposal_case = j.edi_referral(child(rng, 13, "Umeå"), None, date.today() - timedelta(days=2))["case_id"]
    j.advice(s.proposal_case)
    j.wait_for_triage_case(s.proposal_case)
    j.interview(s.proposal_case, "bup")
    options = j.collaboration_options()
    j.collaborate(s.proposal_case, options["questions"][0], options["interventions"][0], "hc-teg", "bup-umea")

    # a risk answer: escalated to the clinician on duty
    s.risk_case = j.edi_referral(child(rng, 15, "Skellefteå"), None, date.today())["case_id"]
    j.wait_for_triage_case(s.risk_case)
    j.interview(s.risk_case, "primary_care", acute_risk=True)

    school = j.schools()[0]["id"]
    sent = j.school_referral(child(rng, 11, "Umeå"), school, date.today())
    s.school_case, s.school_ref = sent["case_id"], sent["referral_id"]
    s.paper_case = j.paper_referral(child(rng, 10, "Vindeln"), None, date.today() - timedelta(days=3),
                                    date.today())["case_id"]
    # written six days ago and only now arrived: the 3-day promise is already broken
    s.broken_case = j.paper_referral(child(rng, 7, "Umeå"), None, date.today() - timedelta(days=6),
                                     date.today())["case_id"]
    return s
