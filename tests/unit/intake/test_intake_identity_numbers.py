"""Personnummer and samordningsnummer: property-based against the `personnummer` library and Luhn by hand."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from personnummer.personnummer import Personnummer

from services.chassis.refusal import Refused
from services.intake.domain.identity import parse_identity

from .helpers import luhn_digit, pnr

CONTACT = date(2023, 3, 14)
births = st.dates(min_value=date(1950, 1, 1), max_value=CONTACT)
serials = st.integers(min_value=1, max_value=999)


def _code(raw: str) -> str:
    with pytest.raises(Refused) as exc:
        parse_identity(raw, CONTACT)
    return exc.value.errors[0]["code"]


@given(born=births, serial=serials, coordination=st.booleans())
def test_valid_numbers_give_birth_date_and_sex(born: date, serial: int, coordination: bool) -> None:
    number = pnr(born, serial, coordination)
    ident = parse_identity(number, CONTACT)
    assert ident.birth_date == born and ident.coordination == coordination
    assert ident.sex == ("male" if serial % 2 else "female")
    assert ident.number == number.replace("-", "")
    assert Personnummer(number).get_date() == born  # the library agrees


@given(born=births, serial=serials, delta=st.integers(min_value=1, max_value=9))
def test_any_other_check_digit_is_a_checksum_error(born: date, serial: int, delta: int) -> None:
    number = pnr(born, serial)
    wrong = number[:-1] + str((int(number[-1]) + delta) % 10)
    assert _code(wrong) == "checksum"


@given(born=births, serial=serials)
def test_short_forms_resolve_century_by_the_contact_day(born: date, serial: int) -> None:
    full = pnr(born, serial)
    age = CONTACT.year - born.year
    short = full[2:] if age < 100 else full[2:8] + "+" + full[9:]
    assert parse_identity(short, CONTACT).birth_date == born
    assert parse_identity(full.replace("-", ""), CONTACT).birth_date == born


@given(text=st.text(max_size=14))
def test_garbage_is_refused_never_crashes(text: str) -> None:
    try:
        parse_identity(text, CONTACT)
    except Refused as exc:
        assert exc.errors[0]["code"] in {"format", "checksum", "date", "born_after_contact"}


def test_impossible_date_with_right_luhn_is_a_date_error() -> None:
    assert _code(f"20230230-238{luhn_digit('230230238')}") == "date"  # 30 February


def test_leap_day_numbers_are_valid_only_in_leap_years() -> None:
    assert parse_identity(pnr(date(2012, 2, 29)), CONTACT).birth_date == date(2012, 2, 29)
    assert _code(f"20130229-238{luhn_digit('130229238')}") == "date"


def test_born_after_the_contact_day_is_refused() -> None:
    assert _code(pnr(CONTACT + timedelta(days=1))) == "born_after_contact"


def test_identity_repr_hides_the_number() -> None:
    number = pnr(date(2012, 5, 17))
    assert number.replace("-", "") not in repr(parse_identity(number, CONTACT))
    assert number[-4:] not in repr(parse_identity(number, CONTACT))
