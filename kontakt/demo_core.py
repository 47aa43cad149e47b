"""The demo's ground: its figures, its numbers for the county, and the part of the demo that plans acts in time."""
from __future__ import annotations

import heapq
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kontakt.client import Journey, personnummer
from kontakt.demo_report import Tally
from kontakt.demo_rounds import Act, ActContext
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
RETRY = timedelta(minutes=15)  # a service had not yet heard of the case: asked again this much later
SETTLE_S = 0.3  # ...and not before the broker has had this long (s) to bring it
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
    runway_told: int = 0  # units whose runway of first-visit times was told short (SlotRunwayShort)
    demand_forecasts: int = 0  # the KPI's demand forecasts published for the runway (DemandForecastPublished)
    open_today: int = 0  # cases of the last days left for today's work queue
    callbacks: dict[str, int] = field(default_factory=dict)  # promised, reached, failed (kontakt/demo_callbacks.py)
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


class DemoCore:
    """The demo's time, its random numbers and its plan of acts; the people it makes up."""

    def __init__(self, journey: Journey, clock_file: Path, seed: int, days: int, scale: float,
                 today: date | None = None, publish: Publish | None = None, tally: Tally | None = None,
                 workers: int = 1) -> None:
        self.j = journey
        self.tally = tally or Tally()
        self.publish = publish  # set: calls that open no case go as intake's telephony events
        self.telephony: list[Any] = []
        self.interviewing: set[str] = set()  # cases with an interview planned: a later contact linked to one gets none
        self.clock = DemoClock(clock_file)
        self.seed = seed
        self.workers = workers  # 1: one act at a time, each at its own time
        self._rng = random.Random(seed)
        self._ctx = ActContext()
        self._lock = threading.Lock()
        self._desk = threading.Lock()  # the booking desk: one booking at a time
        self._clock_at = datetime.min.replace(tzinfo=UTC)
        self._began = datetime.max.replace(tzinfo=UTC)  # when the run began: no act after it is played
        self.units: list[dict[str, Any]] = []
        self.days = days
        self.scale = scale
        self.today = today or datetime.now(TZ).date()
        self.acts: list[Act] = []  # a heap in time order (heapq): the next act on top
        self.fig = Figures()
        self._seq = 0
        self.schools: list[str] = []
        self.moving: set[str] = set()
        self.switch_day = self.today

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

    def plan(self, at: datetime, label: str, run: Callable[[], Any], ripe: float = 0.0) -> None:
        key = self._ctx.child_key()
        with self._lock:
            self._seq += 1
            heapq.heappush(self.acts, Act(at, self._seq, label, run, key or str(self._seq), ripe))

    def later(self, label: str, run: Callable[[], Any], tries: int) -> bool:
        """Try again a quarter of an hour later in the demo's time when a service has not yet heard of the case
        over the broker (nothing sleeps: other acts run meanwhile, and the broker catches up). A quarter of an
        hour of a year's demo passes in a few hundredths of a second: the retry is not asked before SETTLE_S
        have passed (until then it moves on by quarters of an hour), so it is asked once the broker has had the
        time, not three times before it has."""
        if tries >= 20:
            return False
        self.plan(self.current + RETRY, label, run, ripe=time.monotonic() + SETTLE_S)
        return True

    def ripe(self, acts: list[Act]) -> list[Act]:
        """`acts` without the retries asked too soon: those go back, a quarter of an hour later in the demo's
        time, with their own key (their random draws stay the same)."""
        now = time.monotonic()
        with self._lock:
            for act in acts:
                if act.ripe > now:
                    self._seq += 1
                    heapq.heappush(self.acts, replace(act, at=act.at + RETRY, seq=self._seq))
        return [a for a in acts if a.ripe <= now]

    def count(self, what: str) -> None:
        self.fig.count(what)

    def poisson(self, lam: float) -> int:
        n, p, limit = 0, 1.0, pow(2.718281828, -lam)
        while True:
            p *= self.rng.random()
            if p < limit:
                return n
            n += 1

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
