"""Care-guarantee day counting: Swedish calendar days, contact day 0, across midnight and DST."""
from datetime import UTC, datetime

from services.kpi.domain.days import days_between, deadline_date, local_date
from tests.unit.kpi.builders import at


def test_day_three_meets_and_day_four_misses_whatever_the_hour():
    contact = at("2023-03-06", 23, 50)
    assert days_between(contact, at("2023-03-09", 23, 59)) == 3
    assert days_between(contact, at("2023-03-10", 0, 1)) == 4


def test_swedish_midnight_not_utc_midnight_decides_the_day():
    # 23:30 UTC on 5 March is 00:30 on 6 March in Stockholm: already the next day
    contact = datetime(2023, 3, 5, 23, 30, tzinfo=UTC)
    assert str(local_date(contact)) == "2023-03-06"
    assert days_between(contact, at("2023-03-09", 8)) == 3


def test_spring_forward_does_not_shorten_the_days():
    # clocks go forward on 26 March 2023: a 23-hour day still counts as one day
    contact = at("2023-03-24", 22)
    assert days_between(contact, at("2023-03-27", 23, 30)) == 3
    assert days_between(contact, at("2023-03-28", 0, 10)) == 4


def test_autumn_back_does_not_lengthen_the_days():
    # clocks go back on 29 October 2023: a 25-hour day still counts as one day
    contact = at("2023-10-27", 0, 5)
    assert days_between(contact, at("2023-10-30", 23, 55)) == 3
    assert str(deadline_date(contact, 3)) == "2023-10-30"
