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

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from kontakt import demo_callbacks
from kontakt.client import Journey
from kontakt.demo_arrivals import Arrivals
from kontakt.demo_core import SCARCE_UNIT, SCHOOLS_MOVING, TZ, Figures, Publish
from kontakt.demo_morning import plan_morning
from kontakt.demo_report import Progress, Tally, progress_for
from kontakt.demo_rounds import WINDOW, Act, next_round

__all__ = ["SCARCE_UNIT", "TZ", "Demo", "Figures", "main", "publisher"]


class Demo(Arrivals):
    """The month (or year): its plan built, then its acts performed in the demo's time."""

    def build(self) -> None:
        start = self.today - timedelta(days=self.days)
        self.schools = sorted(s["id"] for s in self.j.schools())
        self.moving = set(self.rng.sample(self.schools, round(len(self.schools) * SCHOOLS_MOVING)))
        self.switch_day = start + timedelta(days=self.days // 2)
        ahead = start  # each unit's calendar is kept six weeks ahead: imported month by month, the day before it
        for first, last in self.months(start, self.today):
            until = last + timedelta(weeks=6)
            self.plan(self.at(first - timedelta(days=1), 15), "unit schedules",
                      partial(self.schedules, first, until, ahead))
            ahead = until + timedelta(days=1)
        for offset in range(self.days):  # booking's nightly runway forecast at two, each night before today's
            self.plan(self.at(start + timedelta(days=offset), 2), "runway forecast", self.runway_night)
            if (start + timedelta(days=offset)).weekday() == 0:  # the KPI's demand forecast it reads, on Mondays
                self.plan(self.at(start + timedelta(days=offset), 1.5), "demand forecast", self.demand_night)
        self.plan(self.at(start + timedelta(days=self.days // 2), 12), "a slot opens at Sorsele",
                  lambda: self.j.add_slot(SCARCE_UNIT, self.at(start + timedelta(days=self.days // 2 + 3), 10),
                                          profession=self.profession_of(SCARCE_UNIT)))
        for offset in range(self.days):
            day = start + timedelta(days=offset)
            demo_callbacks.plan_day(self, day)  # call-backs on weekdays, "Kontakta oss" every day
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

    def run(self, progress: Progress) -> Figures:
        self.build()
        self._began = datetime.now(UTC)
        if self.publish is not None and self.telephony:
            self.publish(self.telephony)
            self.tally.acts["call (as events)"] += self.fig.calls
        done = 0
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="demo-act")
        try:
            while batch := self.next_batch():
                if not (batch := self.ripe(batch)):
                    continue
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
        """The next act alone (one worker), or the next round of acts within an hour (several). Nothing after the
        moment the run began is played: the period is the one that had passed then, whatever the run's length."""
        with self._lock:
            return next_round(self.acts, self._began, WINDOW if self.workers > 1 else timedelta(0))

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
