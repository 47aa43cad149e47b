"""How long each unit's first-visit times last, in words (Swedish or English), for the board and the unit's week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

_MONTHS = {"sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                  "november", "december"],
           "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]}
HEADING = {"sv": "Tider för nybesök", "en": "First-visit times"}
UNAVAILABLE = {"sv": "Prognosen kan inte visas just nu.", "en": "The forecast cannot be shown right now."}
BASIS = {  # where the expected demand came from (booking's `demand_source`)
    "kpi_forecast": {"sv": "Väntad efterfrågan: prognosen från KPI-historiken, med veckodag och säsong.",
                     "en": "Expected demand: the forecast from the KPI history, with weekday and season."},
    "recent_weeks": {"sv": "Väntad efterfrågan: de senaste veckornas beslut.",
                     "en": "Expected demand: the recent weeks' decisions."},
}


@dataclass(frozen=True)
class RunwayLine:
    """One unit's line: its name, the sentence, and whether the policy calls it short (shown as a warning)."""

    unit_id: str
    name: str
    words: str
    short: bool


def _day(value: str | None, lang: str, year: bool = True) -> str:
    d = date.fromisoformat(value) if value else None
    if d is None:
        return ""
    text = f"{d.day} {_MONTHS[lang][d.month - 1]}"
    return f"{text} {d.year}" if year else text


def words(view: dict[str, Any], lang: str) -> str:
    """'Tider räcker till och med 13 mars 2026 (11–17 mars)' and why it is short, in the reader's language."""
    sv = lang != "en"
    last, low, high = view.get("last_day"), view.get("low") or view.get("last_day"), view.get("high")
    if last is None:
        text = "Inga tider inom löftet redan i dag" if sv else "No times within the promise even today"
    else:
        band = f" ({_day(low, lang, year=False)}–{_day(high, lang, year=False)})" if low and high else ""
        text = (f"Tider räcker till och med {_day(last, lang)}{band}" if sv
                else f"Times last until {_day(last, lang)}{band}")
    gap = view.get("gap")
    if gap:
        text += (f"; inga lediga tider {_day(gap['from'], lang, False)}–{_day(gap['to'], lang, False)}" if sv
                 else f"; no free times {_day(gap['from'], lang, False)}–{_day(gap['to'], lang, False)}")
    if view.get("short"):
        text += " – lägg in fler tider" if sv else " – add times"
    return text + "."


def lines(views: list[dict[str, Any]], lang: str) -> list[RunwayLine]:
    return [RunwayLine(v["unit_id"], v.get("name", v["unit_id"]), words(v, lang), bool(v.get("short")))
            for v in views]


def basis(views: list[dict[str, Any]] | None, lang: str) -> str:
    """One sentence on where the demand came from (the same source for every unit of one answer)."""
    sources = {v.get("demand_source") for v in views or []}
    return " ".join(BASIS[s][lang] for s in sorted(x for x in sources if x in BASIS))


def context(views: list[dict[str, Any]] | None, lang: str) -> dict[str, Any]:
    """What `_runway.html` reads; `views` None when booking could not answer."""
    return {"runway_lines": None if views is None else lines(views, lang), "runway_heading": HEADING[lang],
            "runway_unavailable": UNAVAILABLE[lang], "runway_basis": basis(views, lang)}
