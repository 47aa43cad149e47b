"""The policy data file: pinned values (a change must be deliberate) and start-up validation."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.intake.reference import RULES_FILE, load_rules


def test_rules_in_force_are_pinned() -> None:
    r = load_rules()
    assert r.version == "2023.1"
    assert (r.promise_days, r.at_risk_from_day, r.adult_age) == (3, 2, 18)
    assert [(b.starts, b.until, b.min_age, b.max_age) for b in r.age_bands] == [
        (date(2021, 4, 7), date(2023, 3, 12), 6, 17), (date(2023, 3, 13), None, 0, 17)]
    assert {m.code: m.name for m in r.municipalities} == {
        "2401": "Nordmaling", "2403": "Bjurholm", "2404": "Vindeln", "2409": "Robertsfors", "2417": "Norsjö",
        "2418": "Malå", "2421": "Storuman", "2422": "Sorsele", "2425": "Dorotea", "2460": "Vännäs",
        "2462": "Vilhelmina", "2463": "Åsele", "2480": "Umeå", "2481": "Lycksele", "2482": "Skellefteå"}
    assert r.signpost_destinations == {"adult_care": "adult_psychiatry", "out_of_county": "other_region"}


def _broken(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    change(data)
    p = tmp_path / "rules.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_gap_between_age_bands_stops_start_up(tmp_path: Path) -> None:
    p = _broken(tmp_path, lambda d: d["age_bands"][1].update({"from": date(2023, 3, 20)}))
    with pytest.raises(ValidationError, match="contiguous"):
        load_rules(p)


def test_municipality_list_must_match_the_contract(tmp_path: Path) -> None:
    p = _broken(tmp_path, lambda d: d["municipalities"].pop())
    with pytest.raises(ValidationError, match="municipalities"):
        load_rules(p)


def test_service_refuses_to_start_with_a_broken_rules_file(tmp_path: Path, issuer) -> None:  # type: ignore[no-untyped-def]
    from services.intake.app import build
    from services.intake.settings import IntakeSettings

    p = _broken(tmp_path, lambda d: d.update({"at_risk_from_day": 9}))
    with pytest.raises(ValidationError):
        build(IntakeSettings(data_dir=tmp_path, rules_file=p, auth_jwks_file=issuer.jwks_file))
