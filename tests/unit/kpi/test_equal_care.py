"""Equal care side by side: every municipality listed, girls and boys apart, small cells suppressed."""
from datetime import date

from contracts.common import MUNICIPALITIES
from services.kpi.domain.equal_care import equal_care
from services.kpi.domain.figures import Query
from tests.unit.kpi.builders import CaseBuilder, at
from tests.unit.kpi.helpers import dataset

Q = Query(date(2023, 1, 1), date(2023, 3, 31), date(2023, 4, 30))


def cases() -> list[dict]:
    events = []
    for i in range(12):  # Umeå: 12 girls and boys, assessed on day 1 (girls) or day 5 (boys); 6 to first line
        c = CaseBuilder()
        girl = i % 2 == 0
        c.referral(at(f"2023-0{1 + i % 3}-10"), municipality="Umeå", sex="female" if girl else "male")
        c.advice(at(f"2023-0{1 + i % 3}-{11 if girl else 15}"))
        if i < 6:
            c.decided(at(f"2023-0{1 + i % 3}-16"), "primary_care")
            c.booked(f"A-{i}", at(f"2023-0{1 + i % 3}-16"), at(f"2023-0{1 + i % 3}-20"))
        events += c.events
    for i in range(3):  # Sorsele: three children, too few to show
        c = CaseBuilder()
        c.referral(at("2023-02-01"), municipality="Sorsele"); c.advice(at("2023-02-02"))
        events += c.events
    return events


def test_every_municipality_is_listed_and_small_cells_are_suppressed():
    rows = equal_care(dataset(cases()), Q, "municipality", MUNICIPALITIES, suppress_below=5)
    assert [r["municipality"] for r in rows] == list(MUNICIPALITIES)
    by = {r["municipality"]: r for r in rows}
    umea, sorsele, mala = by["Umeå"], by["Sorsele"], by["Malå"]
    assert (umea["contacts"], umea["assessment_3d_met"], umea["assessment_3d_base"], umea["assessment_3d"]) == \
        (12, 6, 12, 0.5)
    assert (umea["first_line_visit_7d_base"], umea["first_line_visit_7d"], umea["decided"], umea["share_primary_care"]) \
        == (6, 1.0, 6, 1.0)
    assert (sorsele["contacts"], sorsele["assessment_3d"]) == (None, None)  # 3 children: not shown
    assert "contacts" in sorsele["suppressed"]
    assert (mala["contacts"], mala["assessment_3d"], mala["suppressed"]) == (0, None, [])


def test_girls_and_boys_side_by_side_by_either_basis():
    rows = {r["sex"]: r for r in equal_care(dataset(cases()), Q, "sex", ["female", "male"], suppress_below=5)}
    assert (rows["female"]["assessment_3d"], rows["male"]["assessment_3d"]) == (1.0, 0.0)
    assert (rows["female"]["contacts"], rows["male"]["contacts"]) == (9, 6)  # Sorsele's three are girls
    completed = {r["sex"]: r for r in equal_care(dataset(cases()), Q, "sex", ["female", "male"], "completed")}
    assert completed["female"]["assessment_3d_base"] == 9
