"""Call-backs, pure: which window a caller is promised, when the next try is due, how a try ends."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.callback_policy import CallbackPolicy

CallbackStatus = Literal["waiting", "reached", "failed", "cancelled"]
HORIZON_DAYS = 30  # a policy that finds no window in a month is broken: refuse rather than promise nothing


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Promise:
    window: Window
    same_day: bool
    chosen_kept: bool | None  # None: the caller chose no window


def windows_on(day: date, policy: CallbackPolicy) -> list[Window]:
    """The day's windows from opening, each `window_minutes` long; the last one ends at closing."""
    hours = policy.hours_on(day)
    if hours is None:
        return []
    out, start = [], hours[0]
    while start < hours[1]:
        out.append(Window(start, min(start + policy.window, hours[1])))
        start += policy.window
    return out


def _windows_from(day: date, policy: CallbackPolicy) -> Iterator[Window]:
    for n in range(HORIZON_DAYS):
        yield from windows_on(day + timedelta(days=n), policy)


def promise_window(requested_at: datetime, load: Mapping[datetime, int], policy: CallbackPolicy,
                   chosen: Window | None = None) -> Promise:
    """The first window with room: the same day until the cut-off, else from the next opening morning.

    `load` counts the active call-backs already promised per window start. A window the caller chose is kept
    when a window with room starts inside it; otherwise the rule's own window is promised (and said so)."""
    local = requested_at.astimezone(STOCKHOLM)
    earliest = local + timedelta(minutes=policy.lead_minutes)
    today = local.date()
    same_day_open = local.time() < policy.same_day_cutoff

    def allowed(w: Window) -> bool:
        on_today = w.start.date() == today
        return w.start >= earliest and (same_day_open or not on_today) and load.get(w.start, 0) < policy.cap_per_window

    if chosen is not None:
        for w in _windows_from(max(earliest, chosen.start).date(), policy):
            if w.start >= chosen.end:
                break
            if w.start >= chosen.start and allowed(w):
                return Promise(w, w.start.date() == today, True)
    for w in _windows_from(today, policy):
        if allowed(w):
            return Promise(w, w.start.date() == today, None if chosen is None else False)
    raise Refused(Refusal("requested_at", "no_window", "Ingen tid för återuppringning finns inom en månad.",
                          "No call-back window is free within a month.", 503))


def within_hours(at: datetime, policy: CallbackPolicy) -> datetime:
    """`at` if the phone is open then; else the next opening."""
    local = at.astimezone(STOCKHOLM)
    for n in range(HORIZON_DAYS):
        hours = policy.hours_on(local.date() + timedelta(days=n))
        if hours is None:
            continue
        if n == 0 and hours[0] <= local < hours[1]:
            return local
        if n > 0 or local < hours[0]:
            return hours[0]
    raise ValueError("the call-back policy has no opening within a month")


@dataclass(frozen=True)
class TryResult:
    status: CallbackStatus
    next_try_at: datetime | None


def after_try(tries_before: int, reached: bool, at: datetime, policy: CallbackPolicy) -> TryResult:
    """Reached ends it; not reached sets the next try at its interval (within opening hours) or, after the
    last try, fails it (the family is then asked to call)."""
    if reached:
        return TryResult("reached", None)
    done = tries_before + 1
    if done >= policy.tries:
        return TryResult("failed", None)
    return TryResult("waiting", within_hours(at + timedelta(minutes=policy.retry_after_minutes[done - 1]), policy))


def due_at(window: Window, next_try_at: datetime | None) -> datetime:
    """When the call-back is to be rung: in its window, or at its next try."""
    return next_try_at or window.start


def overdue(window: Window, next_try_at: datetime | None, now: datetime, policy: CallbackPolicy) -> bool:
    """The first try is late once its window has ended; a later try once a window's length has passed."""
    deadline = window.end if next_try_at is None else next_try_at + policy.window
    return now > deadline


def check_chosen(chosen: Window | None, requested_at: datetime) -> None:
    if chosen is not None and not chosen.start < chosen.end:
        raise Refused(Refusal("window", "window_order", "Fönstret måste börja innan det slutar.",
                              "The window must start before it ends."))
    if chosen is not None and chosen.end <= requested_at:
        raise Refused(Refusal("window", "window_past", "Det valda fönstret har redan passerat.",
                              "The chosen window has already passed."))
