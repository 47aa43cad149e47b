"""Units' schedules from files: iCalendar (VEVENT) or CSV; a malformed file is refused naming the line."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar

from services.booking.service import refuse
from services.chassis.errors import field_error

CSV_COLUMNS = ("starts_at", "duration_min", "profession", "visit_type", "digital")


def parse_calendar(filename: str, data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8-sig", "replace")
    if filename.lower().endswith(".ics") or text.lstrip().startswith("BEGIN:VCALENDAR"):
        return _ics(text)
    return _csv(text)


def _csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or set(CSV_COLUMNS[:1]) - set(reader.fieldnames):
        raise refuse("calendar", "bad_header", "Rad 1: rubrikraden saknar starts_at.", "Line 1: header lacks starts_at.")
    rows: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        # an unreadable line is kept as its error, so the importer names every bad line, not only the first
        try:
            starts_at = datetime.fromisoformat(row["starts_at"] or "")
        except (ValueError, TypeError):
            rows.append({"_line": line, "_error": field_error(
                "calendar", f"Rad {line}: starttiden ska vara datum och tid med tidszon, t.ex. 2026-12-01T09:00:00+01:00.",
                f"Line {line}: the start must be a date and time with time zone, e.g. 2026-12-01T09:00:00+01:00.",
                "bad_row")})
            continue
        try:
            duration = int(row.get("duration_min") or 45)
        except (ValueError, TypeError):
            rows.append({"_line": line, "_error": field_error(
                "calendar", f"Rad {line}: längden ska vara ett antal minuter.",
                f"Line {line}: the duration must be a number of minutes.", "bad_row")})
            continue
        rows.append({"_line": line, "starts_at": starts_at, "duration_min": duration,
                     "profession": row.get("profession") or "psychologist",
                     "visit_type": row.get("visit_type") or "new_visit",
                     "digital": (row.get("digital") or "false").strip().lower() in ("1", "true", "ja", "yes")})
    return rows


def _ics(text: str) -> list[dict[str, Any]]:
    try:
        cal = Calendar.from_ical(text)
    except ValueError as exc:
        raise refuse("calendar", "bad_ics", f"Filen är ingen giltig iCalendar ({exc}).",
                     f"Not a valid iCalendar file ({exc}).") from None
    lines = text.splitlines()
    rows, seen = [], 0
    for comp in cal.walk("VEVENT"):
        seen += 1
        line = _line_of_event(lines, seen)
        try:  # icalendar parses leniently and raises on first access to a broken value
            start, duration = _times(comp)
        except ValueError as exc:
            raise refuse("calendar", "bad_ics", f"Rad {line}: ogiltig tid ({exc}).",
                         f"Line {line}: invalid time ({exc}).") from None
        if start is None or not isinstance(start, datetime) or start.tzinfo is None:
            raise refuse("calendar", "bad_row", f"Rad {line}: DTSTART saknas eller saknar tidszon.",
                         f"Line {line}: DTSTART missing or without time zone.")
        rows.append({"_line": line, "starts_at": start, "duration_min": int(duration.total_seconds() // 60),
                     "profession": str(comp.get("X-PROFESSION", "psychologist")),
                     "visit_type": str(comp.get("X-VISIT-TYPE", "new_visit")),
                     "digital": str(comp.get("X-DIGITAL", "FALSE")).upper() == "TRUE"})
    return rows


def _times(comp: Any) -> tuple[Any, timedelta]:
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
