"""A unit's times: which it may open, overlaps among a file's lines, the weekly count of free new visits."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from services.booking.domain.calendar import BadLine
from services.booking.domain.reference import Profession, Reference, Unit
from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused

UNKNOWN_UNIT = Refusal("unit_id", "unknown_unit", "Okänd enhet.", "Unknown unit.", 404)
OVERLAP = Refusal("starts_at", "overlap", "Tiden överlappar en annan tid för samma yrkesgrupp.",
                  "The time overlaps another one for the same profession.", 409)


def known_unit(ref: Reference, unit_id: str) -> Unit:
    unit = ref.unit(unit_id)
    if unit is None:
        raise Refused(UNKNOWN_UNIT)
    return unit


class NewTime(Protocol):
    """A time a unit wants to open (the form, or a line of a calendar file)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def duration_min(self) -> int: ...
    @property
    def profession(self) -> Profession: ...
    @property
    def digital(self) -> bool: ...


def ends_at(t: NewTime) -> datetime:
    return t.starts_at + timedelta(minutes=t.duration_min)


def slot_problems(unit: Unit, t: NewTime, now: datetime) -> list[Refusal]:
    """Each reason the unit cannot open this time."""
    problems = []
    if t.starts_at <= now:
        problems.append(Refusal("starts_at", "in_past", "Tiden har redan varit.", "The time is in the past."))
    if t.profession not in unit.professions:
        problems.append(Refusal("profession", "not_at_unit", "Enheten har inte den yrkesgruppen.",
                                "The unit has no such profession."))
    if t.digital and not unit.digital_visits:
        problems.append(Refusal("digital", "no_digital", "Enheten erbjuder inte digitala besök.",
                                "The unit offers no digital visits."))
    return problems


def overlaps(a: NewTime, b: NewTime) -> bool:
    """Two times of the same profession that share a minute."""
    return a.profession == b.profession and a.starts_at < ends_at(b) and b.starts_at < ends_at(a)


def line_problems(unit: Unit, line: int, t: NewTime, earlier: Sequence[tuple[int, NewTime]],
                  now: datetime) -> list[BadLine]:
    """A file's line: the rules of opening a time, and the first earlier line of the file it overlaps."""
    bad = [BadLine(line, p.sv, p.en, p.code) for p in slot_problems(unit, t, now)]
    other_line = next((n for n, other in earlier if overlaps(other, t)), None)
    if other_line is not None:
        bad.append(BadLine(line, f"överlappar rad {other_line} för samma yrkesgrupp.",
                           f"overlaps line {other_line} for the same profession.", "overlap"))
    return bad


def stored_overlap(line: int) -> BadLine:
    return BadLine(line, "överlappar en befintlig tid för samma yrkesgrupp.",
                   "overlaps an existing time for the same profession.", "overlap")


def file_refused(bad: Iterable[BadLine]) -> Refused:
    """Every bad line, in file order; only overlaps is a conflict (409), anything else bad input (422)."""
    lines = sorted(bad, key=lambda b: b.line)
    status = 409 if all(b.code == "overlap" for b in lines) else 422
    return Refused(*(b.refusal(status) for b in lines))


def too_large(limit_bytes: int) -> Refusal:
    return Refusal("calendar", "too_large", f"Filen är större än {limit_bytes // 1024} kB; dela upp den.",
                   f"The file is larger than {limit_bytes // 1024} kB; split it.", 413)


def free_by_week(times: Iterable[tuple[str, datetime]]) -> dict[str, dict[str, int]]:
    """Free times counted per unit and ISO week (Swedish time), for the weekly KC–BUP meeting."""
    table: dict[str, dict[str, int]] = {}
    for unit_id, starts_at in times:
        y, w, _ = starts_at.astimezone(STOCKHOLM).isocalendar()
        week = table.setdefault(unit_id, {})
        week[f"{y}-W{w:02d}"] = week.get(f"{y}-W{w:02d}", 0) + 1
    return table
