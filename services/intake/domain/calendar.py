"""Care-guarantee days: calendar days in Europe/Stockholm, the contact day is day 0."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from services.chassis.clock import STOCKHOLM
from services.intake.domain.rules import IntakeRules


def local_day(at: datetime) -> date:
    return at.astimezone(STOCKHOLM).date()


def local(at: datetime) -> str:
    """A time as answers show it: ISO 8601 in Stockholm's offset (the database gives UTC back)."""
    return at.astimezone(STOCKHOLM).isoformat()


def start_of_day(day: date) -> datetime:
    """Midnight in Stockholm: the clock start of a referral known only by its date."""
    return datetime.combine(day, time(0, 0), tzinfo=STOCKHOLM)


def days_since(clock_start: datetime, now: datetime) -> int:
    return (local_day(now) - local_day(clock_start)).days


def at_risk(days: int, rules: IntakeRules) -> bool:
    """Not yet assessed and close to (or past) the 3-day promise."""
    return days >= rules.at_risk_from_day


def promise_broken(days: int, rules: IntakeRules) -> bool:
    return days > rules.promise_days


def promise_timing(clock_start: datetime, waiting: bool, now: datetime, rules: IntakeRules) -> dict[str, Any]:
    """Days since the clock started; for a case still waiting for its assessment, whether the promise is at risk."""
    days = days_since(clock_start, now)
    return {"days_since_clock_start": days, "at_risk": waiting and at_risk(days, rules),
            "promise_broken": waiting and promise_broken(days, rules)}
