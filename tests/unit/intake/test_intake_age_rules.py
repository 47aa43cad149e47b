"""Age by the date of contact at the boundaries: birthdays, 2023-03-13, 18 years, leap days."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.age import age_on, age_verdict
from services.intake.reference import default_rules

RULES = default_rules()
CHANGE = date(2023, 3, 13)
days = st.dates(min_value=date(2021, 4, 7), max_value=date(2030, 12, 31))
births = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


def _birthday(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        return date(year, 3, 1)


@given(born=births, years=st.integers(min_value=1, max_value=25))
def test_age_changes_exactly_on_the_birthday(born: date, years: int) -> None:
    birthday = _birthday(born, born.year + years)
    assert age_on(born, birthday) == years
    assert age_on(born, birthday - timedelta(days=1)) == years - 1


def test_leap_day_child_turns_a_year_older_on_first_of_march_in_common_years() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2024, 2, 29)) == 16


@given(day=days, born=births)
def test_eighteen_or_older_is_always_adult_care(day: date, born: date) -> None:
    age = age_on(born, day) if born <= day else -1
    if age >= 18:
        assert age_verdict(age, day, RULES) == "adult"


@given(day=days, age=st.integers(min_value=0, max_value=17))
def test_children_served_by_the_band_of_the_contact_day(day: date, age: int) -> None:
    expected = "served" if age >= 6 or day >= CHANGE else "too_young"
    assert age_verdict(age, day, RULES) == expected


def test_the_0_to_5_year_olds_are_served_from_13_march_2023() -> None:
    assert age_verdict(0, date(2023, 3, 12), RULES) == "too_young"
    assert age_verdict(5, date(2023, 3, 12), RULES) == "too_young"
    assert age_verdict(0, date(2023, 3, 13), RULES) == "served"
    assert age_verdict(6, date(2023, 3, 12), RULES) == "served"


def test_seventeenth_and_eighteenth_birthdays() -> None:
    born = date(2005, 3, 13)
    assert age_verdict(age_on(born, date(2023, 3, 12)), date(2023, 3, 12), RULES) == "served"
    assert age_verdict(age_on(born, date(2023, 3, 13)), date(2023, 3, 13), RULES) == "adult"


def test_before_the_contact_centre_opened_no_band_applies() -> None:
    assert age_verdict(10, date(2021, 4, 6), RULES) == "before_service"
    assert age_verdict(10, date(2021, 4, 7), RULES) == "served"
