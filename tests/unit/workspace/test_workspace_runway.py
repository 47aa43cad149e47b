"""The runway on the board and the unit's week: in words, Swedish or English, no codes; short ones marked."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

import services.workspace
from services.workspace.runway import context, words

TEMPLATES = Path(services.workspace.__file__).parent / "templates"
VIEW: dict[str, Any] = {"unit_id": "hc-sorsele", "name": "Sorsele hälsocentral", "last_day": "2026-03-13",
                        "low": "2026-03-11", "high": "2026-03-17", "short": True, "reason": "runway", "gap": None}
PLENTY: dict[str, Any] = {"unit_id": "bup-umea", "name": "BUP Umeå", "last_day": "2026-06-30", "low": "2026-06-20",
                          "high": "2026-07-10", "short": False, "reason": None, "gap": None}


def render(views: list[dict[str, Any]] | None, lang: str) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("_runway.html").render(**context(views, lang))


def test_the_runway_reads_as_a_sentence_with_its_band_in_swedish_and_english() -> None:
    assert words(VIEW, "sv") == "Tider räcker till och med 13 mars 2026 (11 mars–17 mars) – lägg in fler tider."
    assert words(VIEW, "en") == "Times last until 13 March 2026 (11 March–17 March) – add times."
    assert words(PLENTY, "sv") == "Tider räcker till och med 30 juni 2026 (20 juni–10 juli)."


def test_a_holiday_gap_and_no_runway_at_all_are_said_in_words() -> None:
    gap = {**PLENTY, "short": True, "reason": "gap", "gap": {"from": "2026-12-23", "to": "2027-01-06"}}
    assert "inga lediga tider 23 december–6 januari" in words(gap, "sv")
    assert words({**VIEW, "last_day": None, "low": None, "high": None}, "en").startswith(
        "No times within the promise even today")


def test_the_board_lists_every_unit_with_short_ones_marked_and_no_codes() -> None:
    html = render([VIEW, PLENTY], "sv")
    assert "Tider för nybesök" in html
    assert "<strong>Sorsele hälsocentral</strong>: Tider räcker till och med 13 mars 2026" in html
    assert html.count('class="warning"') == 1
    assert "runway" not in html.replace('id="runway', "").replace("runway-h", "").replace('class="runway"', "")


def test_the_units_week_shows_its_one_line_and_an_unavailable_forecast_is_said_plainly() -> None:
    html = render([PLENTY], "en")
    assert "Times last until 30 June 2026 (20 June–10 July)." in html and "<strong>" not in html
    assert "The forecast cannot be shown right now." in render(None, "en")


def test_both_screens_include_the_runway() -> None:
    for page in ("board.html", "unit.html"):
        assert '{% include "_runway.html" %}' in (TEMPLATES / page).read_text()


def test_the_demands_source_is_said_in_words() -> None:
    from services.workspace.runway import basis

    assert basis([{**VIEW, "demand_source": "kpi_forecast"}], "sv") == (
        "Väntad efterfrågan: prognosen från KPI-historiken, med veckodag och säsong.")
    assert basis([{**VIEW, "demand_source": "recent_weeks"}], "en") == "Expected demand: the recent weeks' decisions."
    assert basis([VIEW], "sv") == "" and basis(None, "en") == ""
