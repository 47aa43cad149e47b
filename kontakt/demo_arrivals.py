"""The demo's ways in: calls (some as intake's own telephony events), EDI, paper and the schools' form."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

from contracts import intake
from contracts.intake import Line
from kontakt.demo_care import Care
from kontakt.demo_core import LEVELS, SCHOOL_SEASON


class Arrivals(Care):
    """Families and referrers reaching the contact centre, and the first thing done with each case."""

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
            if case_id in self.interviewing:  # a later contact for the child joined the open case: no second one
                return
            self.interviewing.add(case_id)
            self.plan(iv_day, "interview", lambda: self.interview(case_id, level))

    def advise(self, case_id: str) -> None:
        self.j.advice(case_id)
        self.count("advice")
