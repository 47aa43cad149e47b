"""Input of the kpi API: query parameters checked field by field, every problem refused at once."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.chassis.refusal import Refusal, Refused
from services.kpi.domain.definitions import BASES
from services.kpi.domain.figures import DIMENSIONS
from services.kpi.domain.periods import GRAINS, bounds
from services.kpi.domain.query import Query

FORMAT_REFUSAL = Refusal("format", "enum", "Format ska vara json eller csv.", "format must be json or csv.")


def _date(name: str, value: str | None, default: date, refusals: list[Refusal]) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    except ValueError:
        refusals.append(Refusal(name, "date_parsing", "Ange ett datum (ÅÅÅÅ-MM-DD) eller en månad (ÅÅÅÅ-MM).",
                                "Give a date (YYYY-MM-DD) or a month (YYYY-MM)."))
        return default


def build_query(today: date, start: str | None, end: str | None, grain: str, municipality: str | None,
                unit: str | None, sex: str | None, by: str | None, allowed_by: tuple[str, ...] = DIMENSIONS) -> Query:
    """Query parameters checked field by field; every problem is reported at once."""
    refusals: list[Refusal] = []
    if grain not in GRAINS:
        refusals.append(Refusal("grain", "enum", "Period ska vara day, month, quarter eller year.",
                                "grain must be day, month, quarter or year."))
    if by is not None and by not in allowed_by:  # an empty `by=` too: it names no dimension (once a 500)
        refusals.append(Refusal("by", "enum", f"Uppdelning ska vara en av {', '.join(allowed_by)}.",
                                f"by must be one of {', '.join(allowed_by)}."))
    if sex and sex not in ("female", "male", "other", "unknown"):
        refusals.append(Refusal("sex", "enum", "Kön ska vara female, male, other eller unknown.",
                                "sex must be female, male, other or unknown."))
    q_start = _date("from", start, date(today.year - 1, today.month, 1), refusals)
    q_end = _date("to", end, today, refusals)
    if end and len(end) <= 7 and not refusals:
        q_end = bounds(f"{q_end.year}-{q_end.month:02d}")[1]  # a month given as "to" means its last day
    if q_start > q_end:
        refusals.append(Refusal("from", "range", "Startdatum ligger efter slutdatum.", "from is after to."))
    if refusals:
        raise Refused(*refusals)
    return Query(q_start, q_end, today, grain, municipality or None, unit or None, sex or None, by or None)


def check_format(fmt: str) -> None:
    if fmt not in ("json", "csv"):
        raise Refused(FORMAT_REFUSAL)


def check_basis(basis: str | None) -> None:
    if basis and basis not in BASES:
        raise Refused(Refusal("basis", "enum", "Bas ska vara cohort eller completed.",
                              "basis must be cohort or completed."))


class StaffingPlanForm(BaseModel):
    """The contact centre head's staffing plan: licensed assessor-hours for each weekday, Monday first, and the
    measured minutes an advice call and a telephone interview take."""

    model_config = ConfigDict(extra="forbid")
    hours: list[Annotated[float, Field(ge=0, le=500)]] = Field(min_length=7, max_length=7, description="Assessor-hours Monday..Sunday.",
                               examples=[[24, 24, 24, 24, 20, 0, 0]])
    advice_minutes: float = Field(20, gt=0, le=240, description="Minutes an advice call takes (measured).")
    interview_minutes: float = Field(60, gt=0, le=480, description="Minutes a telephone interview takes (measured).")
