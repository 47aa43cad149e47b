"""`kontakt demo`: a believable month (or year) for the county, pushed through the public APIs of the running system.

Deterministic for a seed. Calls with queue-full episodes, EDI and paper referrals in the 2022
proportions (815 : 624) with school referrals peaking in spring and late autumn, advice, interviews,
care-level decisions near the seeds' triage split, bookings, a unit without bookable times, parent
groups through the year, some cancellations and no-shows, and fewer bookable times in the summer. Halfway
through, a share of the schools (SCHOOLS_MOVING) stop sending paper and use the digital referral form instead. The
services' clocks are shifted together (the offset file `kontakt up` gives them) so each act carries the
time it would have had. Each unit's times are imported month by month as its scheduler would (one calendar
file per unit and month). With `calls_as_events` (`kontakt demo --year`), calls that open no case are
published as intake's own telephony events with their real times (only the KPI service reads them) instead of
one HTTP request per call step: that is most of a year's acts.
"""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contracts.intake import Line
from kontakt.client import Journey, personnummer
from kontakt.demo_morning import plan_morning
from kontakt.demo_report import Progress, Tally, progress_for
from kontakt.demo_rounds import WINDOW, Act, ActContext, next_round
from kontakt.democlock import DemoClock

TZ = ZoneInfo("Europe/Stockholm")
# share of the county's children by municipality (2022 population, rounded)
MUNICIPALITY_WEIGHTS = {"Umeå": 48, "Skellefteå": 26, "Lycksele": 4.5, "Vilhelmina": 2.3, "Storuman": 2.1,
                        "Sorsele": 0.9, "Malå": 1.1, "Norsjö": 1.5, "Åsele": 1.0, "Dorotea": 0.9, "Vindeln": 1.9,
                        "Vännäs": 3.2, "Bjurholm": 0.8, "Nordmaling": 2.5, "Robertsfors": 2.3}
# school referrals rise in April-May and November-December (DOMAIN.md)
SCHOOL_SEASON = {1: 0.8, 2: 0.9, 3: 1.0, 4: 1.6, 5: 1.7, 6: 0.5, 7: 0.2, 8: 0.6, 9: 1.0, 10: 1.1, 11: 1.5, 12: 1.4}
# bookable times per month relative to the rest of the year: the summer is the weak spot (DOMAIN.md)
SUPPLY_SEASON = {6: 0.6, 7: 0.3, 8: 0.6}
GROUP_MONTHS = (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)  # parent groups start every month but July
SCARCE_UNIT = "hc-sorsele"  # a cottage hospital left without bookable times: the unit-head routine
CALL_BACK = timedelta(hours=1)  # from the decision to the call handler's call with times
SCHOOLS_MOVING = 0.5  # share of schools that move to the digital form halfway through the period
LEVELS = {"primary_care": 0.55, "bup": 0.30, "parenting_group": 0.10, "signposting": 0.05}
FIRST_NAMES = ["Anna", "Erik", "Maria", "Johan", "Sara", "Ali", "Fatima", "Lars", "Elin", "Oskar"]
LAST_NAMES = ["Lindqvist", "Holmberg", "Nilsson", "Berglund", "Öberg", "Sundström", "Marklund", "Lundberg"]


@dataclass
class Figures:
    calls: int = 0
    queue_full: int = 0
    cases: dict[str, int] = field(default_factory=lambda: {"phone": 0, "edi": 0, "paper": 0, "school_form": 0})
    school: int = 0
    advice: int = 0
    interviews: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    booked: int = 0
    slots_imported: int = 0
    open_today: int = 0  # cases of the last days left for today's work queue
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str, n: int = 1, key: str | None = None) -> None:
        """Add `n` to a figure (to its `key` for the per-kind ones); acts on several threads count at once."""
        with self.lock:
            if key is None:
                setattr(self, name, getattr(self, name) + n)
            else:
                counts = getattr(self, name)
                counts[key] = counts.get(key, 0) + n


Publish = Callable[[list[Any]], None]  # contract events straight onto their owners' topics


class Demo:
    def __init__(self, journey: Journey, clock_file: Path, seed: int, days: int, scale: float,
                 today: date | None = None, publish: Publish | None = None, tally: Tally | None = None,
                 workers: int = 1) -> None:
        self.j = journey
        self.tally = tally or Tally()
        self.publish = publish  # set: calls that open no case go as intake's telephony events
        self.telephony: list[Any] = []
        self.clock = DemoClock(clock_file)
        self.seed = seed
        self.workers = workers  # 1: one act at a time, each at its own time
        self._rng = random.Random(seed)
        self._ctx = ActContext()
        self._lock = threading.Lock()
        self._desk = threading.Lock()  # the booking desk: one booking at a time
        self._clock_at = datetime.min.replace(tzinfo=UTC)
        self.units: list[dict[str, Any]] = []
        self.days = days
        self.scale = scale
        self.today = today or datetime.now(TZ).date()
        self.acts: list[Act] = []
        self.fig = Figures()
        self._seq = 0
        self.schools: list[str] = []
        self.moving: set[str] = set()
        self.switch_day = self.today

    # -- time -----------------------------------------------------------------------------------
    def set_clock(self, at: datetime) -> None:
        self.clock.set(at)

    def reset_clock(self) -> None:
        self.clock.reset()

    def at(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=hour)

    @property
    def rng(self) -> random.Random:
        """The current act's own random numbers (the same for a seed, whatever thread runs it), else the plan's."""
        return self._ctx.rng or self._rng

    @property
    def current(self) -> datetime:
        """The time of the act being performed (its follow-ups are planned from it)."""
        return self._ctx.act.at if self._ctx.act else self._clock_at

    def plan(self, at: datetime, label: str, run: Callable[[], Any]) -> None:
        key = self._ctx.child_key()
        with self._lock:
            self._seq += 1
            self.acts.append(Act(at, self._seq, label, run, key or str(self._seq)))

    # -- people ---------------------------------------------------------------------------------
    def child(self, day: date, school_age: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
        age = self.rng.randint(7 if school_age else 4, 17)
        born = day - timedelta(days=age * 365 + self.rng.randint(30, 330))
        female = self.rng.random() < 0.52
        municipality = self.rng.choices(list(MUNICIPALITY_WEIGHTS), weights=list(MUNICIPALITY_WEIGHTS.values()))[0]
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        contact = {"name": name, "phone": f"+4670{self.rng.randint(1000000, 9999999)}",
                   "email": f"familj{self.rng.randint(1000, 9999)}@example.se",
                   "preferred_channel": self.rng.choice(["sms", "sms", "sms", "email"]), "language": "sv"}
        return {"identity_number": personnummer(born, self.rng, female), "municipality": municipality}, contact

    # -- the month ------------------------------------------------------------------------------
    def build(self) -> None:
        start = self.today - timedelta(days=self.days)
        self.schools = sorted(s["id"] for s in self.j.schools())
        self.moving = set(self.rng.sample(self.schools, round(len(self.schools) * SCHOOLS_MOVING)))
        self.switch_day = start + timedelta(days=self.days // 2)
        blocks = self.months(start, self.today)
        for i, (first, last) in enumerate(blocks):  # each month's calendar is imported the day before it
            until = last + timedelta(weeks=6) if i == len(blocks) - 1 else last  # the last: six weeks ahead
            self.plan(self.at(first - timedelta(days=1), 15), "unit schedules",
                      partial(self.schedules, first, until))
        self.plan(self.at(start + timedelta(days=self.days // 2), 12), "a slot opens at Sorsele",
                  lambda: self.j.add_slot(SCARCE_UNIT, self.at(start + timedelta(days=self.days // 2 + 3), 10),
                                          profession=self.profession_of(SCARCE_UNIT)))
        for offset in range(self.days):
            day = start + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            self.plan_calls(day)
            self.plan_referrals(day)
        now = datetime.now(UTC)  # today's open work for the queue, ten o'clock on another day
        plan_morning(self, now if self.today == now.astimezone(TZ).date() else self.at(self.today, 10))

    @staticmethod
    def months(start: date, end: date) -> list[tuple[date, date]]:
        """The calendar months from `start` to `end` (the first and last cut to them)."""
        out, first = [], start
        while first <= end:
            nxt = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
            out.append((first, min(end, nxt - timedelta(days=1))))
            first = nxt
        return out

    def plan_calls(self, day: date) -> None:
        monday = day.weekday() == 0
        n = int((60 if monday else 42) * self.scale)
        full_episode = monday or self.rng.random() < 0.15
        for _ in range(n):
            hour = self.rng.uniform(8, 16.5)
            call_id = f"demo-{day:%Y%m%d}-{self.rng.randint(0, 10**8):08d}"
            t0 = self.at(day, hour)
            if full_episode and 8 <= hour < 9.5 and self.rng.random() < 0.5:
                full = [("CallOffered", t0), ("QueueFull", t0)]
                if self.publish is not None:
                    self.as_events(call_id, full)
                    continue
                self.plan(t0, "queue full", partial(self.call, call_id, full))
                continue
            wait = timedelta(minutes=self.rng.uniform(1, 25))
            answered = self.rng.random() < 0.84
            steps = [("CallOffered", t0), ("CallQueued", t0)]
            if answered:
                steps.append(("CallAnswered", t0 + wait))
            else:
                steps += [("CallAbandoned", t0 + wait), ("CallbackScheduled", t0 + wait)]
                if self.rng.random() < 0.8:
                    steps.append(("CallbackMade", t0 + wait + timedelta(hours=self.rng.uniform(0.5, 3))))
            opens_case = self.rng.random() < 0.09
            if self.publish is not None and not opens_case:
                self.as_events(call_id, steps)
                continue
            self.plan(steps[-1][1], "call", partial(self.call, call_id, steps, opens_case, day))

    def as_events(self, call_id: str, steps: list[tuple[str, datetime]], line: Line = "public_1177") -> None:
        """A call that opens no case, as the telephony events intake would publish for it (its own times)."""
        from contracts import intake

        if steps[0][1] > datetime.now(UTC):
            return  # would lie in the future
        classes = {c.__name__: c for c in intake.EVENTS}
        self.telephony += [classes[step].new(occurred_at=at, recorded_at=at,
                                             payload=intake.CallPayload(call_id=call_id, line=line, at=at))
                           for step, at in steps]
        self.fig.count("calls")
        self.fig.count("queue_full", any(s == "QueueFull" for s, _ in steps))

    def call(self, call_id: str, steps: list[tuple[str, datetime]], opens_case: bool = False,
             day: date | None = None) -> None:
        self.fig.count("calls")
        self.fig.count("queue_full", any(s == "QueueFull" for s, _ in steps))
        self.j.call(call_id, steps)
        if opens_case and steps[-1][0] in ("CallAnswered", "CallbackMade") and day is not None:
            child, contact = self.child(day)
            opened = self.j.case_from_call(call_id, child, contact, reasons=["worry"])
            self.fig.count("cases", key="phone")
            self.after_contact(opened["case_id"], day, phone=True, age=None)

    def plan_referrals(self, day: date) -> None:
        season = SCHOOL_SEASON[day.month]
        for _ in range(self.poisson(3.2 * self.scale)):  # 815 EDI a year over ~250 weekdays
            hour = self.rng.uniform(7, 17)
            authored = day - timedelta(days=self.rng.choice([0, 0, 1, 1, 2]))
            self.plan(self.at(day, hour), "EDI referral", partial(self.edi, day, authored))
        for _ in range(self.poisson(2.5 * self.scale * season)):  # 624 paper a year, mostly schools
            hour = self.rng.uniform(9, 15)
            written = day - timedelta(days=self.rng.choice([1, 2, 3, 3, 4, 5, 6]))
            school = self.rng.random() < 0.8
            sender = self.rng.choice(self.schools) if school and self.schools else None
            if sender in self.moving and written >= self.switch_day:  # sent when written, not posted
                self.plan(self.at(written, hour), "school form", partial(self.school_form, written, sender))
                continue
            self.plan(self.at(day, hour), "paper referral", partial(self.paper, day, written, school))

    def poisson(self, lam: float) -> int:
        n, p, limit = 0, 1.0, pow(2.718281828, -lam)
        while True:
            p *= self.rng.random()
            if p < limit:
                return n
            n += 1

    def edi(self, day: date, authored: date) -> None:
        child, contact = self.child(day)
        opened = self.j.edi_referral(child, contact, authored, reasons=["anxiety"])
        self.fig.count("cases", key="edi")
        self.after_contact(opened["case_id"], day)

    def paper(self, day: date, written: date, school: bool) -> None:
        child, contact = self.child(day, school_age=True)
        opened = self.j.paper_referral(child, contact, written, day,
                                       source="school_student_health" if school else "social_services")
        self.fig.count("cases", key="paper")
        self.fig.count("school", school)
        self.after_contact(opened["case_id"], day)

    def school_form(self, day: date, school: str) -> None:
        child, _ = self.child(day, school_age=True)
        sent = self.j.school_referral(child, school, consent_on=day)
        self.fig.count("cases", key="school_form")
        self.fig.count("school")
        self.after_contact(sent["case_id"], day)

    def after_contact(self, case_id: str, day: date, phone: bool = False, age: int | None = None) -> None:
        """Plan what the professionals do next with the case (advice, signposting or an interview)."""
        now = self.current
        r = self.rng.random()
        delay_days = 0 if phone else self.rng.choice([0, 0, 1, 1, 2, 3, 5])
        when = max(now + timedelta(minutes=5), self.at(day + timedelta(days=delay_days), self.rng.uniform(8.5, 16)))
        if r < 0.30:
            self.plan(when, "advice", partial(self.advise, case_id))
        elif r < 0.38:
            self.plan(when, "signposting", lambda: self.j.signpost(case_id, "social_services"))
        else:
            self.plan(when, "advice", partial(self.advise, case_id))
            iv_day = when + timedelta(days=self.rng.choice([1, 2, 3, 4]))
            level = self.rng.choices(list(LEVELS), weights=list(LEVELS.values()))[0]
            self.plan(iv_day, "interview", lambda: self.interview(case_id, level))

    def advise(self, case_id: str) -> None:
        self.j.advice(case_id)
        self.count("advice")

    def count(self, what: str) -> None:
        self.fig.count(what)

    def later(self, label: str, run: Callable[[], Any], tries: int) -> bool:
        """Try again a quarter of an hour later in the demo's time when a service has not yet heard of the case
        over the broker (nothing sleeps: other acts run meanwhile, and the broker catches up)."""
        if tries >= 20:
            return False
        self.plan(self.current + timedelta(minutes=15), label, run)
        return True

    def interview(self, case_id: str, level: str, tries: int = 0) -> None:
        try:  # all answers in one save: the demo's clinician has them at hand
            self.j.interview(case_id, level, part=200)
        except RuntimeError as exc:
            if "unknown_case" in str(exc) and self.later(  # triage has not yet heard of the case
                    "interview", lambda: self.interview(case_id, level, tries + 1), tries):
                return
            raise
        self.fig.count("interviews")
        decided = self.j.decide(case_id)
        self.fig.count("levels", key=decided["level"])
        # a call handler calls the family back with times within the hour; by then booking has heard of the
        # decision (asked ten minutes later, it mostly had not: 2.5 refused tries per booking, a tenth of the acts)
        if decided["level"] == "parenting_group":
            self.plan(self.current + CALL_BACK, "group seat", lambda: self.group_seat(case_id))
        elif decided["level"] in ("primary_care", "bup", "urgent"):
            self.plan(self.current + CALL_BACK, "booking", lambda: self.book(case_id))
        if decided["level"] in ("primary_care", "bup") and self.rng.random() < 0.12:
            self.collaborate(case_id)

    def collaborate(self, case_id: str) -> None:
        """Two-level care: a coordinator starts collaboration between a health centre and BUP for the child."""
        options = self.j.collaboration_options()
        hc = self.rng.choice([u["unit_id"] for u in self.units if u.get("level") == "first_line"] or ["hc-teg"])
        self.j.collaborate(case_id, self.rng.choice(options["questions"]), self.rng.choice(options["interventions"]),
                           hc, self.rng.choice(options["bup_units"]))

    # -- supply and bookings --------------------------------------------------------------------

    def profession_of(self, unit_id: str) -> str:
        unit = next((u for u in self.units if u["unit_id"] == unit_id), None)
        professions: list[str] = (unit or {}).get("professions", ["psychologist"])
        return professions[0]

    def schedules(self, start: date, until: date) -> None:
        """Each unit's scheduler imports its new-visit times from `start` to `until` (Sorsele none; fewer in the
        summer); parent groups are set up to start in the month."""
        self.units = self.units or self.j.units()
        for unit in self.units:
            if unit["unit_id"] == SCARCE_UNIT:
                continue
            rows = self.slot_rows(unit, start, until)
            if rows:
                try:
                    self.fig.count("slots_imported", self.j.import_slots(unit["unit_id"], rows)["created"])
                except RuntimeError as exc:  # a refused file is reported; the year goes on
                    self.fig.failed.append(f"slots {unit['unit_id']}: {str(exc)[:200]}")
        if start.month in GROUP_MONTHS:
            first_line = [u for u in self.units if u.get("level") == "first_line"]
            for i, kind in enumerate(self.course_kinds()):
                for week in (1, 3):
                    unit = self.rng.choice(first_line)
                    self.j.add_group(unit["unit_id"], kind, start + timedelta(days=7 * week + i), seats=12, digital=True)

    def slot_rows(self, unit: dict[str, Any], start: date, until: date) -> list[dict[str, Any]]:
        """A unit's new-visit times on weekdays: per week 6 at BUP, 2 at a health centre, times the month's supply."""
        per_week = 6 if unit.get("level") == "specialist" else 2
        taken: set[tuple[date, float]] = set()
        rows = []
        monday = start - timedelta(days=start.weekday())
        for week in range((until - monday).days // 7 + 1):
            for k in range(per_week):
                day = monday + timedelta(days=7 * week + self.rng.randint(0, 4))
                if not start <= day <= until or self.rng.random() > SUPPLY_SEASON.get(day.month, 1.0):
                    continue
                hour = 8 + (k % 4) * 2 + self.rng.choice([0, 0.75])
                if (day, hour) in taken or any(d == day and abs(h - hour) < 1 for d, h in taken):
                    continue  # the scheduler would not put two times on top of each other
                taken.add((day, hour))
                rows.append({"starts_at": self.at(day, hour),
                             "profession": self.rng.choice(unit.get("professions") or ["psychologist"]),
                             "digital": bool(unit.get("digital_visits")) and self.rng.random() < 0.2})
        return rows

    def course_kinds(self) -> list[str]:
        return ["parenting_3_12", "parenting_adhd", "parenting_anxiety", "parenting_teens_pilot"]

    def book(self, case_id: str, tries: int = 0, chosen: bool | None = None) -> None:
        if chosen is None:
            chosen = self.rng.random() < 0.04  # the family declines the first time offered
        try:
            with self._desk:  # one booking at a time: two calls never race for the same first offer
                booked = self.j.book_first_offer(case_id, patient_chosen_wait=chosen, timeout=0.0)
        except RuntimeError as exc:
            if "no_decision" in str(exc) and self.later("booking", lambda: self.book(case_id, tries + 1, chosen), tries):
                return  # booking has not heard of the decision yet
            if "already_booked" in str(exc):
                return  # while booking had not heard, the waiting list booked the child into a new time
            raise
        if booked is None:
            return  # NoBookableSlots was published; the waiting list books it when a slot opens
        self.fig.count("booked")
        visit = datetime.fromisoformat(booked["starts_at"])
        r = self.rng.random()
        if r < 0.05:
            self.plan(self.current + timedelta(hours=self.rng.uniform(2, 48)), "cancellation",
                      lambda: self.j.cancel(booked["appointment_id"], "family", "family_request"))
        elif r < 0.12:
            self.plan(visit + timedelta(hours=1), "no-show",
                      lambda: self.j.mark(booked["appointment_id"], "no-show", booked["unit_id"]))
        else:
            self.plan(visit + timedelta(hours=1), "attended",
                      lambda: self.j.mark(booked["appointment_id"], "attended", booked["unit_id"]))
            if booked["unit_id"].startswith("bup-"):
                self.bup_stages(case_id, booked["unit_id"], visit)

    def bup_stages(self, case_id: str, unit_id: str, first_visit: datetime) -> None:
        """After BUP's first assessment: most go on to an in-depth investigation, some straight to treatment;
        the unit reports the decision, sometimes a patient-chosen or medically caused wait, and the start."""
        stage = "investigation" if self.rng.random() < 0.7 else "treatment"
        decided = first_visit + timedelta(hours=3)
        started = self.at((decided + timedelta(days=self.rng.randint(10, 60))).date(), 9)
        self.plan(decided, "BUP stage decided", lambda: self.j.bup_stage(case_id, stage, "decided", unit_id, decided))
        if self.rng.random() < 0.1:
            code = self.rng.choice(["pvv", "pvv", "mov"])
            at = decided + timedelta(days=7)
            self.plan(at, "BUP wait excluded",
                      lambda: self.j.bup_stage(case_id, stage, "excluded", unit_id, at, code=code))
        self.plan(started, "BUP stage started",
                  lambda: self.j.bup_stage(case_id, stage, "started", unit_id, started, decided_at=None))

    def group_seat(self, case_id: str, tries: int = 0) -> None:
        try:
            group = self.take_seat(case_id)
        except RuntimeError as exc:
            if "no_decision" in str(exc) and self.later(  # booking has not yet heard of the decision
                    "group seat", lambda: self.group_seat(case_id, tries + 1), tries):
                return
            raise
        if group is not None and self.rng.random() < 0.7:  # most families answer at the last session
            end = self.at(date.fromisoformat(group["starts_on"]) + timedelta(weeks=6), 19)
            answers = {"satisfaction": self.rng.choices(["missnojd", "ej_nojd", "nojd", "mycket_nojd"], [1, 2, 9, 8])[0],
                       "recommend": self.rng.choices(["ej_sannolikt", "liten_sannolikhet", "sannolikt",
                                                      "stor_sannolikhet"], [1, 1, 7, 11])[0],
                       "easier_everyday": self.rng.choices(["nej", "en_del_situationer", "ja_ofta"], [2, 10, 8])[0],
                       "exchange": self.rng.choices(["bra_givande", "varken_eller", "daligt"], [14, 5, 1])[0]}
            self.plan(end, "group evaluation", lambda: self.j.evaluate_group(group["group_id"], case_id, answers))

    def take_seat(self, case_id: str) -> dict[str, Any] | None:
        """A seat in the first group with one free (None: all full); one booking at a time, so two calls never
        race for a group's last seat."""
        with self._desk:
            groups = [g for g in self.j.groups() if g.get("free_seats", 1) > 0]
            if groups:
                self.j.book_group_seat(groups[0]["group_id"], case_id, parents=self.rng.choice([1, 2, 2]),
                                       booked_from="contact_centre")
            return groups[0] if groups else None

    # -- running --------------------------------------------------------------------------------
    def run(self, progress: Progress) -> Figures:
        self.build()
        if self.publish is not None and self.telephony:
            self.publish(self.telephony)
            self.tally.acts["call (as events)"] += self.fig.calls
        done = 0
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="demo-act")
        try:
            while batch := self.next_batch():
                self._clock_at = max(self._clock_at, batch[-1].at)  # never back, never before an act
                self.set_clock(self._clock_at)
                # one worker: the act runs on this thread, so Ctrl-C interrupts it even where it hangs
                results = map(self.perform, batch) if self.workers == 1 else pool.map(self.perform, batch)
                for act, _ in zip(batch, results, strict=True):
                    done += 1
                    progress.act(act.at, act.label, done, len(self.acts))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # stopped: the acts under way end, no other starts
            self.reset_clock()
            progress.close()
        return self.fig

    def next_batch(self) -> list[Act]:
        """The next act alone (one worker), or the next round of acts within an hour (several)."""
        now = datetime.now(UTC)
        with self._lock:
            return next_round(self.acts, now, WINDOW if self.workers > 1 else timedelta(0))

    def perform(self, act: Act) -> None:
        self._ctx.enter(act, self.seed)
        self.tally.current = act.label
        try:
            act.run()
        except Exception as exc:  # a refused act is reported, the month goes on
            with self.fig.lock:
                self.fig.failed.append(f"{act.label}: {str(exc)[:200]}")
            self.tally.failed(act.label, exc)
        finally:
            self._ctx.leave()
            self.tally.done(act.label)


def publisher(bootstrap: str) -> Publish:
    """Publishes contract events on their owners' topics, keyed as the owners key them."""
    import asyncio

    from aiokafka import AIOKafkaProducer

    def publish(events: list[Any]) -> None:
        async def go() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
            await producer.start()
            try:
                for ev in events:
                    await producer.send(ev.TOPIC, ev.model_dump_json().encode(), key=ev.key.encode())
                await producer.flush()
            finally:
                await producer.stop()
        asyncio.run(go())
    return publish


def main(data_dir: Path, urls: dict[str, str], seed: int, days: int, scale: float,
         bootstrap: str | None = None, tally: Tally | None = None, workers: int = 1) -> Figures:
    from kontakt.client import Staff
    from services.chassis.issuer import LocalIssuer

    tally = tally or Tally()
    staff = Staff(urls, LocalIssuer(data_dir / "keys"), on_response=tally.answer)
    demo = Demo(Journey(staff), data_dir / "clock.json", seed, days, scale,
                publish=publisher(bootstrap) if bootstrap else None, tally=tally, workers=workers)
    try:
        with demo.clock.held():  # Ctrl-C, SIGTERM, SIGHUP stop the run; the clock is always put back
            return demo.run(progress_for(tally))
    finally:
        staff.close()
