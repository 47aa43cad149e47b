"""The units reference file: 43 units as the seeds name them; a change to a figure fails here first."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.booking.domain import offers
from services.booking.domain.reference import ReferenceError_, load


def test_the_43_units_with_the_regions_first_line_bup_and_private_centres() -> None:
    ref = load()
    assert ref.version == "2026.1"
    assert len(ref.units) == 43
    by_kind = {k: sum(u.kind == k for u in ref.units) for k in ("health_centre", "cottage_hospital", "bup")}
    assert by_kind == {"health_centre": 33, "cottage_hospital": 7, "bup": 3}
    assert sum(u.operator == "private" for u in ref.units) == 7
    assert {u.unit_id for u in ref.units if u.level == "specialist"} == {"bup-umea", "bup-skelleftea", "bup-lycksele"}
    assert {"hc-ersboda", "hc-alidhem", "hc-moro-backe", "hc-stenbergska", "hc-tarnaby", "hc-boliden"} <= {
        u.unit_id for u in ref.units}


def test_promises_hold_time_and_course_kinds() -> None:
    ref = load()
    assert ref.promise_days == {"primary_care": 7, "bup": 30, "parenting_group": 30, "urgent": 1}
    assert ref.hold_minutes == 5
    assert ref.course_kinds == ("parenting_3_12", "parenting_adhd", "parenting_anxiety", "parenting_teens_pilot")


def test_nearness_own_municipality_and_digital_are_near_neighbours_next() -> None:
    ref = load()
    sorsele, storuman, umea = (ref.unit(u) for u in ("hc-sorsele", "hc-storuman", "hc-ersboda"))
    assert ref.nearness("Sorsele", sorsele, False) == 0  # type: ignore[arg-type]
    assert ref.nearness("Sorsele", storuman, False) == 1  # type: ignore[arg-type]
    assert ref.nearness("Sorsele", umea, False) == 2  # type: ignore[arg-type]
    assert ref.nearness("Sorsele", umea, True) == 0  # type: ignore[arg-type]
    assert not sorsele.digital_visits  # type: ignore[union-attr]  # the demo's unit without bookable times
    near = {u.unit_id for u in offers.near_units(ref, "Sorsele", "primary_care", 10)}
    assert {"hc-sorsele", "hc-storuman", "hc-tarnaby", "hc-mala"} <= near and "hc-kage" in near  # Kåge: digital


def test_a_broken_units_file_is_refused_at_load_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "units.yaml"
    bad.write_text(load().model_dump_json().replace('"Umeå"', '"Gävle"', 1))
    with pytest.raises(ReferenceError_, match=r"units\.yaml"):
        load(bad)
