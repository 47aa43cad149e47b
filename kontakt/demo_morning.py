"""Today's open work at the end of `kontakt demo`: calls waiting, referrals of several ages and channels, one at risk.

Whatever the hour the demo runs, the work queue then looks like a contact centre's morning: answered calls no
case has taken yet, and referrals not yet assessed that came by EDI, paper post and the schools' form, from
today back to the day before yesterday (at risk of the 3-day promise from day 2).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from kontakt.demo_report import TZ

if TYPE_CHECKING:
    from kontakt.demo import Demo

WAITING_CALLS = 4


def plan_morning(demo: Demo, now: datetime) -> None:
    """Plan today's open work, every act before `now` (the demo never acts in the future)."""
    today = now.astimezone(TZ).date()
    for k in range(WAITING_CALLS):  # answered in the last hour, no case taken yet
        answered = now - timedelta(minutes=6 + 13 * k)
        offered = answered - timedelta(minutes=demo.rng.uniform(1, 12))
        steps = [("CallOffered", offered), ("CallQueued", offered), ("CallAnswered", answered)]
        demo.plan(answered, "call", partial(demo.call, f"demo-{today:%Y%m%d}-morning-{k}", steps))
    for before, late in ((timedelta(hours=2, minutes=40), 2), (timedelta(hours=9, minutes=15), 1),
                         (timedelta(minutes=55), 0)):  # written `late` days before they came: the clock's age
        at = now - before
        day = at.astimezone(TZ).date()
        demo.plan(at, "EDI referral", partial(open_edi, demo, day - timedelta(days=late), day))
    at = now - timedelta(minutes=35)  # the post: written two days ago, at risk
    day = at.astimezone(TZ).date()
    demo.plan(at, "paper referral", partial(open_paper, demo, day - timedelta(days=2), day))
    if demo.schools:
        at = now - timedelta(hours=14)
        demo.plan(at, "school form", partial(open_school_form, demo, at.astimezone(TZ).date(),
                                             demo.rng.choice(demo.schools)))


def open_edi(demo: Demo, authored: date, day: date) -> None:
    child, contact = demo.child(day)
    demo.j.edi_referral(child, contact, authored, reasons=["anxiety"])
    demo.fig.cases["edi"] += 1
    demo.fig.open_today += 1


def open_paper(demo: Demo, written: date, arrived: date) -> None:
    child, contact = demo.child(arrived, school_age=True)
    demo.j.paper_referral(child, contact, written, arrived, source="school_student_health")
    demo.fig.cases["paper"] += 1
    demo.fig.school += 1
    demo.fig.open_today += 1


def open_school_form(demo: Demo, day: date, school: str) -> None:
    child, _ = demo.child(day, school_age=True)
    demo.j.school_referral(child, school, consent_on=day)
    demo.fig.cases["school_form"] += 1
    demo.fig.school += 1
    demo.fig.open_today += 1
