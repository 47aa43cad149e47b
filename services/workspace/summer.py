"""Summer planning on the weekly KC–BUP meeting page: the period asked for, booking's figures per unit, the words."""
from __future__ import annotations

from datetime import date

SUMMER_TEXTS: dict[str, tuple[str, str]] = {
    "summer_title": ("Sommarplanering: förväntade nybesök mot tider", "Summer planning: expected first visits against times"),
    "summer_intro": ("För vald period: hur många nybesök varje enhet väntas behöva, hur många lediga nybesökstider "
                     "som finns inlagda, och hur många tider som behöver läggas till för att hålla vårdgarantin.",
                     "For the chosen period: how many first visits each unit is expected to need, how many free "
                     "new-visit times are entered, and how many times must be added to keep the care guarantee."),
    "summer_from": ("Från", "From"), "summer_to": ("Till och med", "To"),
    "summer_expected": ("Förväntade nybesök", "Expected first visits"),
    "summer_basis": ("Beräknat från", "Estimated from"),
    "summer_times": ("Lediga tider", "Free times"), "summer_gap": ("Tider att lägga till", "Times to add"),
    "summer_working_days": ("Arbetsdagar", "Working days"),
    "summer_csv": ("Hämta som CSV (för mötet)", "Download as CSV (for the meeting)"),
    "summer_total_gap": ("Tider att lägga till totalt: {n}", "Times to add in all: {n}"),
    "summer_unavailable": ("Sommarplaneringen kan inte visas just nu.", "Summer planning cannot be shown right now."),
    "summer_no_gap": ("räcker", "enough"),
}
SUMMER_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "summer_basis": {"last_year": ("samma veckor förra året", "the same weeks last year"),
                     "recent_weeks": ("de senaste veckornas takt", "the recent weeks' rate")},
}


def default_period(today: date) -> tuple[date, date]:
    """June to August: this year's, or next year's once this summer is over."""
    year = today.year if today <= date(today.year, 8, 31) else today.year + 1
    return date(year, 6, 1), date(year, 8, 31)


def period(today: date, start: str | None, end: str | None) -> tuple[date, date]:
    """The period in the page's address, or the default summer when a date is missing or unreadable."""
    try:
        if start and end:
            return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        pass
    return default_period(today)
