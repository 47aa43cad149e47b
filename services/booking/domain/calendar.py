"""Units' schedules from files: iCalendar (VEVENT) or CSV, bounded in rows; every bad line is named."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args

from icalendar import Calendar

from contracts.booking import VisitType
from services.booking.domain.reference import Profession
from services.chassis.refusal import Refusal, Refused

CSV_COLUMNS = ("starts_at", "duration_min", "profession", "visit_type", "digital")
Row = tuple[int, dict[str, object]]  # the file's line and the time's fields, not yet validated


@dataclass(frozen=True)
class BadLine:
    """One line of the file that cannot be stored, and why."""

    line: int
    sv: str
    en: str
    code: str = "bad_row"

    def refusal(self, status: int = 422) -> Refusal:
        return Refusal("calendar", self.code, f"Rad {self.line}: {self.sv}", f"Line {self.line}: {self.en}", status)


def parse_calendar(filename: str, data: bytes, max_rows: int) -> tuple[list[Row], list[BadLine]]:
    """The rows of the file and the problems of its bad lines (all of them, not just the first)."""
    text = data.decode("utf-8-sig", "replace")
    if filename.lower().endswith(".ics") or text.lstrip().startswith("BEGIN:VCALENDAR"):
        rows, errors = _ics(text)
    else:
        rows, errors = _csv(text)
    if len(rows) + len(errors) > max_rows:
        raise Refused(Refusal("calendar", "too_many_rows", f"Filen har fler än {max_rows} tider; dela upp den.",
                              f"The file has more than {max_rows} times; split it.", 413))
    return rows, errors


def _csv(text: str) -> tuple[list[Row], list[BadLine]]:
    # a bare carriage return (old Mac line ends, or a stray one) is a line end like any other
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise Refused(Refusal("calendar", "bad_header", f"Rad 1: rubrikraden kan inte läsas ({exc}).",
                              f"Line 1: the header cannot be read ({exc}).")) from None
    if header is None or set(CSV_COLUMNS[:1]) - set(header):
        raise Refused(Refusal("calendar", "bad_header", "Rad 1: rubrikraden saknar starts_at.",
                              "Line 1: header lacks starts_at."))
    rows: list[Row] = []
    errors: list[BadLine] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(BadLine(reader.line_num, f"kan inte läsas ({exc}).", f"cannot be read ({exc})."))
            break  # the reader cannot find its place after a broken quote
        parsed = _csv_row(reader.line_num, row)
        if isinstance(parsed, list):
            errors += parsed
        else:
            rows.append(parsed)
    return rows, errors


def _csv_row(line: int, row: Mapping[str, str | None]) -> Row | list[BadLine]:
    """The line's fields, or every problem of the line (not only the first), naming the values that are valid."""
    bad: list[BadLine] = []
    try:
        starts_at = datetime.fromisoformat((row.get("starts_at") or "").strip())
    except (ValueError, TypeError):
        bad.append(BadLine(line, "starttiden ska vara datum och tid med tidszon, t.ex. 2026-12-01T09:00:00+01:00.",
                           "the start must be a date and time with time zone, e.g. 2026-12-01T09:00:00+01:00."))
    try:
        duration = int(row.get("duration_min") or 45)
    except (ValueError, TypeError):
        bad.append(BadLine(line, "längden ska vara ett antal minuter.", "the duration must be a number of minutes."))
    fields = {"profession": (row.get("profession") or "psychologist").strip(),
              "visit_type": (row.get("visit_type") or "new_visit").strip()}
    bad += [b for name, value in fields.items() if (b := unknown_value(line, name, value))]
    if bad:
        return bad
    return line, {"starts_at": starts_at, "duration_min": duration, **fields,
                  "digital": (row.get("digital") or "false").strip().lower() in ("1", "true", "ja", "yes")}


VALID: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "profession": ("yrket", "the profession", get_args(Profession)),
    "visit_type": ("besökstypen", "the visit type", get_args(VisitType)),
}


def unknown_value(line: int, column: str, value: str) -> BadLine | None:
    """A value outside the column's list, with the list: the scheduler fixes the file without asking anyone."""
    sv, en, valid = VALID[column]
    if value in valid:
        return None
    listed = ", ".join(f"'{v}'" for v in valid)
    return BadLine(line, f"{column}: {sv} '{value}' finns inte; giltiga värden är {listed}.",
                   f"{column}: {en} '{value}' is unknown; valid values are {listed}.", "bad_value")


def _ics(text: str) -> tuple[list[Row], list[BadLine]]:
    try:
        cal = Calendar.from_ical(text)
    except ValueError as exc:
        raise Refused(Refusal("calendar", "bad_ics", f"Filen är ingen giltig iCalendar ({exc}).",
                              f"Not a valid iCalendar file ({exc}).")) from None
    lines = text.splitlines()
    rows: list[Row] = []
    errors: list[BadLine] = []
    for seen, comp in enumerate(cal.walk("VEVENT"), start=1):
        line = _line_of_event(lines, seen)
        try:  # icalendar parses leniently and raises on first access to a broken value
            start, duration = _times(comp)
        except ValueError as exc:
            errors.append(BadLine(line, f"ogiltig tid ({exc}).", f"invalid time ({exc}).", "bad_ics"))
            continue
        if start is None or not isinstance(start, datetime) or start.tzinfo is None:
            errors.append(BadLine(line, "DTSTART saknas eller saknar tidszon.", "DTSTART missing or without time zone."))
            continue
        fields = {"profession": str(comp.get("X-PROFESSION", "psychologist")),
                  "visit_type": str(comp.get("X-VISIT-TYPE", "new_visit"))}
        unknown = [b for name, value in fields.items() if (b := unknown_value(line, name, value))]
        if unknown:
            errors += unknown
            continue
        rows.append((line, {"starts_at": start, "duration_min": int(duration.total_seconds() // 60), **fields,
                            "digital": str(comp.get("X-DIGITAL", "FALSE")).upper() == "TRUE"}))
    return rows, errors


def _times(comp: Any) -> tuple[Any, timedelta]:  # icalendar's components are untyped
    start, end = comp.get("DTSTART"), comp.get("DTEND")
    if start is None:
        return None, timedelta(0)
    return start.dt, (end.dt - start.dt) if end is not None else timedelta(minutes=45)


def _line_of_event(lines: list[str], n: int) -> int:
    count = 0
    for i, line in enumerate(lines, start=1):
        if line.strip() == "BEGIN:VEVENT":
            count += 1
            if count == n:
                return i
    return 0
