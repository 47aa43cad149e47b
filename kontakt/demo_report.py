"""What `kontakt demo` tells its user: a line per simulated day, the acts it performed and each one refused."""
from __future__ import annotations

import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo

import httpx

TZ = ZoneInfo("Europe/Stockholm")

# ids in a path (case, appointment, slot, group, hold, interview, referral) carry capitals or digits; route words
# and unit ids are lower case
_ID = re.compile(r"[A-Z0-9]")


def route_of(path: str) -> str:
    """The route of a request path, its ids replaced: `/api/cases/C-4Q7T…/advice` -> `/api/cases/{id}/advice`."""
    parts = path.split("/")
    out = []
    for i, part in enumerate(parts):
        if i > 0 and parts[i - 1] == "units":
            out.append("{unit}")
        elif _ID.search(part):
            out.append("{id}")
        else:
            out.append(part)
    return "/".join(out)


# answers that are no refusal of the demo's act: a service that has not yet heard over the broker what another
# one did (the demo asks again later), or the waiting list that booked the child first; by status, route, code
EXPLAINED = {(409, "GET", "/api/cases/{id}/offers", "no_decision"): "booking had not yet heard of the decision",
             (409, "POST", "/api/groups/{id}/seats", "no_decision"): "booking had not yet heard of the decision",
             (422, "POST", "/api/cases/{id}/interview", "unknown_case"): "triage had not yet heard of the case",
             (409, "POST", "/api/holds/{id}/confirm", "already_booked"): "the waiting list had booked the child first"}


@dataclass
class Tally:
    """Every act the demo performed, and every answer of 400 and above to its own requests.

    Answers that refuse nothing the demo did wrong (EXPLAINED) are counted apart, by their reason.
    """

    acts: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    explained: Counter[str] = field(default_factory=Counter)  # by EXPLAINED's reason
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def current(self) -> str:
        """The act under way on this thread, named in each refusal."""
        return getattr(self._local, "label", "planning")

    @current.setter
    def current(self, label: str) -> None:
        self._local.label = label

    def done(self, label: str) -> None:
        with self._lock:
            self.acts[label] += 1

    def answer(self, response: httpx.Response) -> None:
        """httpx response hook of every client the demo uses."""
        if response.status_code < 400:
            return
        response.read()
        route = route_of(response.request.url.path)
        with self._lock:
            for (status, method, known, code), reason in EXPLAINED.items():
                if (response.status_code, response.request.method, route) == (status, method, known) \
                        and f'"{code}"' in response.text:
                    self.explained[reason] += 1
                    return
            key = f"{self.current}: {response.request.method} {route} -> {response.status_code}"
            self.refused[key] += 1
            self.examples.setdefault(key, response.text[:300])

    def failed(self, label: str, exc: BaseException) -> None:
        """An act that stopped without an HTTP refusal of its own (a timeout, a service away)."""
        if isinstance(exc, RuntimeError) and " -> " in str(exc):
            return  # an HTTP refusal, counted by `answer` already
        key = f"{label}: {type(exc).__name__}"
        with self._lock:
            self.refused[key] += 1
            self.examples.setdefault(key, str(exc)[:300])

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


class Progress(Protocol):
    def act(self, at: datetime, label: str, done: int, left: int) -> None: ...

    def close(self) -> None: ...


class DayLines:
    """A plain line per simulated day (when output is not a terminal: a log, a pipe, CI), told after the acts."""

    def __init__(self, tally: Tally, out: TextIO | None = None) -> None:
        self.tally = tally
        self.out = out or sys.stdout
        self.day: date | None = None
        self.acts: Counter[str] = Counter()
        self.refused_before = self.refused_until = 0
        self.done, self.left = 0, 0

    def act(self, at: datetime, label: str, done: int, left: int) -> None:
        day = at.astimezone(TZ).date()
        if self.day is not None and day != self.day:
            self.flush()
        self.day = day
        self.acts[label] += 1
        self.done, self.left = done, left
        self.refused_until = self.tally.refused_total  # this act's refusals are already counted

    def flush(self, closing: bool = False) -> None:
        if self.day is None:
            return
        until = self.tally.refused_total if closing else self.refused_until
        refused, self.refused_before = until - self.refused_before, until
        n = sum(self.acts.values())
        what = ", ".join(f"{k} {label}" for label, k in self.acts.most_common(4))
        self.out.write(f"demo {self.day:%Y-%m-%d %a}  {n:4d} act{'s' if n != 1 else ' '} ({what}); "
                       f"{self.done} done, {self.left} to go; refused {refused}\n")
        self.out.flush()
        self.acts = Counter()

    def close(self) -> None:
        self.flush(closing=True)


class RichBar:
    """A live bar on a terminal, the simulated date in its description."""

    def __init__(self) -> None:
        import rich.progress as rp

        self.bar = rp.Progress(rp.TextColumn("[bold]demo[/] {task.description:<32}"), rp.BarColumn(),
                               rp.MofNCompleteColumn(), rp.TimeElapsedColumn())
        self.bar.start()
        self.task = self.bar.add_task("planning", total=None)

    def act(self, at: datetime, label: str, done: int, left: int) -> None:
        self.bar.update(self.task, completed=done, total=done + left,
                        description=f"{at.astimezone(TZ):%Y-%m-%d %a %H:%M} {label}")

    def close(self) -> None:
        self.bar.stop()


def progress_for(tally: Tally, out: TextIO | None = None) -> Progress:
    stream = out or sys.stdout
    return RichBar() if stream.isatty() else DayLines(tally, stream)


LEVEL_NAMES = {"primary_care": "primary care", "bup": "BUP", "parenting_group": "parent group",
               "signposting": "signposting", "urgent": "urgent"}
CHANNEL_NAMES = {"phone": "phone", "edi": "EDI", "paper": "paper", "school_form": "school form",
                 "self_referral": "Kontakta oss"}


def summary(fig: Any, tally: Tally, seconds: float, first: date, last: date) -> list[str]:
    """The figures as sentences, the acts per kind and the refused acts (none, in a good run)."""
    cases = sum(fig.cases.values())
    lines = [f"Demo {first:%Y-%m-%d} – {last:%Y-%m-%d}: {sum(tally.acts.values())} acts in {seconds:.0f} s",
             f"  calls {fig.calls} (queue full {fig.queue_full}); call-backs "
             + (", ".join(f"{k} {n}" for k, n in sorted(fig.callbacks.items())) or "none"),
             f"  cases {cases}: " + ", ".join(f"{CHANNEL_NAMES[c]} {n}" for c, n in fig.cases.items())
             + f" (from schools {fig.school})",
             f"  advice {fig.advice}, interviews {fig.interviews}, decisions: "
             + (", ".join(f"{LEVEL_NAMES.get(k, k)} {n}" for k, n in sorted(fig.levels.items())) or "none"),
             f"  booked {fig.booked}, times imported {fig.slots_imported}, left open for today {fig.open_today}",
             f"  units told their times run short {fig.runway_told}; demand forecasts from the KPI history "
             f"{fig.demand_forecasts}",
             "Acts: " + ", ".join(f"{label} {n}" for label, n in sorted(tally.acts.items()))]
    for reason, n in sorted(tally.explained.items()):
        times = f"{n} time" + ("s" if n != 1 else "")
        lines.append(f"  ({times} {reason}: asked again later)" if "yet" in reason else f"  ({times} {reason})")
    if not tally.refused:
        lines.append("Refused acts: none")
    else:
        lines.append(f"Refused acts: {tally.refused_total}")
        lines += [f"  {n} × {key}: {tally.examples.get(key, '')[:160]}" for key, n in tally.refused.most_common()]
    return lines
