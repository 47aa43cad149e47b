"""The demo's call-backs and "Kontakta oss" (issue 23), planned day by day beside the demo's calls and referrals.

Callers who meet a full queue and leave their number (about one and a half a weekday at scale 1, twice that on
Mondays; the seeds count 53 full-queue callers in January 2023) and callers who choose "ring upp mig" when the
wait is long (about three a weekday) are promised a window; a call handler takes each in its window, and reaches
the caller at the first try three times in four, else tries again at the policy's intervals, some failing after
the third. Guardians and young people (a fifth of them, 13-17) write on "Kontakta oss" mostly in the evening and
at weekends (about one a day), one in twenty with an answer of acute danger; they are called back as promised and
their cases go on like any other. Planned with random numbers of their own, so the rest of the demo stays as it is.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from kontakt.client import ok_object, personnummer

if TYPE_CHECKING:
    from kontakt.demo import Demo

FULL_LEAVING_NUMBER = 1.5  # per weekday at scale 1 (twice on Mondays)
CHOSEN = 3.0  # "ring upp mig" per weekday at scale 1
SELF_REFERRALS = 1.0  # "Kontakta oss" per day at scale 1, weekends too
YOUNG_SHARE, ACUTE_SHARE = 0.2, 0.05
REACH = (0.75, 0.6, 0.5)  # the chance each try reaches the caller
OPENS_CASE = 0.3  # a reached caller whose call opens a case (the rest get advice only)
WORRIES = ["Hon sover dåligt och vill inte gå till skolan.", "Han är arg och ledsen nästan varje dag.",
           "Jag är orolig för att hen äter för lite.", "Mitt barn har mycket ångest inför skolan.",
           "Jag mår dåligt och vet inte vem jag ska prata med."]
AREAS = ["anxiety", "low_mood", "sleep", "school_absence", "eating", "behaviour", "social_relations"]


def fictional_number(rng: random.Random) -> str:
    """A number the Swedish regulator keeps for fiction (070-174 06 05 to 070-174 06 99)."""
    return f"+4670{rng.randint(1740605, 1740699)}"


def plan_day(demo: Demo, day: date) -> None:
    """The day's call-backs asked by callers (weekdays) and messages on "Kontakta oss" (every day)."""
    rng = random.Random(f"{demo.seed}-callbacks-{day.isoformat()}")
    if day.weekday() < 5:
        monday = 2 if day.weekday() == 0 else 1
        for n in range(poisson(rng, FULL_LEAVING_NUMBER * monday * demo.scale)):
            at = demo.at(day, rng.uniform(8, 10))
            demo.plan(at, "call-back asked", partial(ask, demo, f"demo-full-{day:%Y%m%d}-{n}", "queue_full", at))
        for n in range(poisson(rng, CHOSEN * demo.scale)):
            at = demo.at(day, rng.uniform(8, 15.5))
            demo.plan(at, "call-back asked", partial(ask, demo, f"demo-cb-{day:%Y%m%d}-{n}", "chosen", at))
    for _ in range(poisson(rng, SELF_REFERRALS * demo.scale)):
        hour = rng.uniform(16, 22.5) if day.weekday() < 5 and rng.random() < 0.7 else rng.uniform(9, 21)
        at = demo.at(day, hour)
        demo.plan(at, "Kontakta oss", partial(self_referral, demo, day, at))


def poisson(rng: random.Random, lam: float) -> int:
    n, p, limit = 0, 1.0, pow(2.718281828, -lam)
    while True:
        p *= rng.random()
        if p < limit:
            return n
        n += 1


def ask(demo: Demo, call_id: str, reason: str, at: datetime) -> None:
    """The platform reports the call and the caller's call-back request with the number."""
    steps = [("CallOffered", at)] + ([("CallQueued", at)] if reason == "chosen" else [])
    demo.j.call(call_id, steps)
    promise = ok_object(demo.j.staff.client("intake", "ops").post("/api/telephony/callbacks", json={
        "call_id": call_id, "line": "public_1177", "reason": reason, "at": (at + timedelta(seconds=30)).isoformat(),
        "number": fictional_number(demo.rng)}))
    demo.fig.count("callbacks", key="promised")
    first = datetime.fromisoformat(promise["window_start"]) + timedelta(minutes=demo.rng.uniform(0, 45))
    demo.plan(first, "call-back", partial(ring, demo, promise["callback_id"], call_id))


def ring(demo: Demo, callback_id: str, call_id: str, case_id: str | None = None) -> None:
    """A call handler takes the call-back and rings; reached, the call goes on (a case opens for some)."""
    handler = demo.j.staff.client("intake", "call_handler")
    taken = ok_object(handler.post(f"/api/callbacks/{callback_id}/take"))
    reached = demo.rng.random() < REACH[min(taken["tries"], len(REACH) - 1)]
    done = ok_object(handler.post(f"/api/callbacks/{callback_id}/outcome",
                                  json={"outcome": "reached" if reached else "not_reached"}))
    if done["status"] == "waiting":
        nxt = datetime.fromisoformat(done["next_try_at"]) + timedelta(minutes=demo.rng.uniform(0, 20))
        demo.plan(nxt, "call-back", partial(ring, demo, callback_id, call_id, case_id))
        return
    demo.fig.count("callbacks", key=done["status"])
    if done["status"] == "reached" and case_id is None and demo.rng.random() < OPENS_CASE:
        day = demo.current.date()
        child, contact = demo.child(day)
        opened = demo.j.case_from_call(call_id, child, {**contact, "phone": taken["number"]}, reasons=["worry"])
        demo.fig.count("cases", key="phone")
        demo.after_contact(opened["case_id"], day, phone=True)


def self_referral(demo: Demo, day: date, at: datetime) -> None:
    """A guardian (or a young person for themselves) writes; the contact centre rings back as promised."""
    rng = demo.rng
    young = rng.random() < YOUNG_SHARE
    child, _ = demo.child(day, school_age=True)
    if young:
        born = day - timedelta(days=rng.randint(13, 17) * 365 + rng.randint(30, 300))
        child["identity_number"] = personnummer(born, rng, rng.random() < 0.6)
    guardian = personnummer(day - timedelta(days=rng.randint(28, 52) * 365), rng, rng.random() < 0.6)
    acute = rng.random() < ACUTE_SHARE
    body: dict[str, Any] = {
        "sender": {"role": "young_person" if young else "guardian",
                   "identity_number": child["identity_number"] if young else guardian},
        "child": {"identity_number": None if young else child["identity_number"],
                  "municipality": child["municipality"]},
        "problem_areas": rng.sample(AREAS, rng.randint(1, 3)), "worry": rng.choice(WORRIES),
        "urgency": rng.choice(["weeks", "days", "days", "today"]),
        "risk": {"self_harm_now": acute, "suicide_thoughts": False, "danger_now": False},
        "reach": {"phone": fictional_number(rng), "preferred_time": rng.choice(["morning", "afternoon", "any"]),
                  "sms_ok": True},
        "language": "sv", "interpreter": rng.random() < 0.05,
        "guardians_may_know": rng.choice([True, None]) if young else None,
        "client_address": f"198.51.100.{rng.randint(1, 254)}"}
    receipt = ok_object(demo.j.staff.client("intake", "ops").post("/api/self-referrals", json=body))
    demo.fig.count("cases", key="self_referral")
    callback = receipt.get("callback")
    if callback:
        first = datetime.fromisoformat(callback["window_start"]) + timedelta(minutes=rng.uniform(0, 40))
        demo.plan(first, "call-back", partial(ring_sender, demo, f"web-{receipt['referral_id']}"))


def ring_sender(demo: Demo, call_id: str) -> None:
    """The sender's call-back, found on the list by its call id; reached, the case goes on as any other."""
    listed = ok_object(demo.j.staff.client("intake", "call_handler").get("/api/callbacks"))["callbacks"]
    mine = next((c for c in listed if c["call_id"] == call_id), None)
    if mine is None:
        return  # taken and ended already
    handler = demo.j.staff.client("intake", "call_handler")
    ok_object(handler.post(f"/api/callbacks/{mine['callback_id']}/take"))
    done = ok_object(handler.post(f"/api/callbacks/{mine['callback_id']}/outcome", json={"outcome": "reached"}))
    demo.fig.count("callbacks", key="reached")
    if done.get("case_id"):
        demo.after_contact(done["case_id"], demo.current.date())
