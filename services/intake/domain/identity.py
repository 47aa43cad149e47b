"""Swedish identity numbers (personnummer, samordningsnummer): checksum, birth date and legal sex."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from personnummer.personnummer import (  # type: ignore[import-untyped]  # the library ships no type hints
    Personnummer,
    PersonnummerException,
)

from services.chassis.refusal import Refusal, Refused

_SHAPE = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")


@dataclass(frozen=True)
class Identity:
    """A checked identity number. `number` never leaves intake except as a keyed hash."""

    number: str  # 12 digits, YYYYMMDDNNNC
    birth_date: date
    sex: Literal["female", "male"]
    coordination: bool

    def __repr__(self) -> str:  # keeps the number out of logs and tracebacks
        return f"Identity(birth_date={self.birth_date}, sex={self.sex}, coordination={self.coordination})"


def check_digit(nine_digits: str) -> int:
    """The Luhn check digit of YYMMDDNNN (used to tell a checksum error from a bad date)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def luhn_ok(ten_digits: str) -> bool:
    return check_digit(ten_digits[:9]) == int(ten_digits[9])


def _with_century(short: str, sep: str, on: date) -> str:
    """Century of a 10-digit number, relative to the contact day ('+' means 100 years or older)."""
    yy = int(short[:2])
    century = on.year // 100
    year = century * 100 + yy
    if year > on.year:
        year -= 100
    if sep == "+":
        year -= 100
    return f"{year:04d}"[:2] + short


def parse_identity(raw: str, on: date, field: str = "child.identity_number") -> Identity:
    """Check a personnummer/samordningsnummer with the `personnummer` library; raise Refused otherwise."""
    m = _SHAPE.match(raw.strip().replace(" ", ""))
    if not m:
        raise Refused(Refusal(field, "format", "Ange personnummer eller samordningsnummer som ÅÅÅÅMMDD-NNNN.",
                              "Enter a personal identity or co-ordination number as YYYYMMDD-NNNN."))
    century, rest, sep, tail = m.groups()
    full = (century + rest if century else _with_century(rest, sep, on)) + tail
    if not luhn_ok(full[2:]):
        raise Refused(Refusal(field, "checksum", "Kontrollsiffran stämmer inte – kontrollera numret.",
                              "The check digit does not match; check the number."))
    try:
        pnr = Personnummer(full)
    except PersonnummerException:
        raise Refused(Refusal(field, "date", "Numret har inget giltigt födelsedatum eller löpnummer.",
                              "The number has no valid date of birth or serial number.")) from None
    born = pnr.get_date()
    if born > on:
        raise Refused(Refusal(field, "born_after_contact", "Födelsedatumet ligger efter kontaktdagen.",
                              "The date of birth is after the day of contact."))
    return Identity(number=pnr.format(long_format=True), birth_date=born,
                    sex="male" if pnr.is_male() else "female", coordination=pnr.is_coordination_number())
