"""Instrument and rules files are refused at load with a message naming the line; a licensee's directory loads."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.domain.datafile import DataFileError
from services.triage.domain.guide_file import load_guide
from services.triage.domain.instrument_files import load_instrument, load_instruments
from services.triage.domain.policy import load_policy
from services.triage.settings import DATA, TriageSettings

DEMO = DATA / "instruments" / "demo-bcfpi-shape.yaml"
GUIDE = DATA / "care_level_guide.yaml"


def edited(src: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of `src` with one edit; returns the path and the 1-based line the edit is on."""
    text = src.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    out = tmp_path / src.name
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out, line


def refused_at(path: Path, loader, line: int) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DataFileError) as exc:
        loader(path)
    assert f"{path}:{line}:" in str(exc.value), str(exc.value)
    return str(exc.value)


def test_shipped_files_load_and_cross_check():  # type: ignore[no-untyped-def]
    s = TriageSettings()
    policy = load_policy(s.instrument_dirs(), s.main_instrument, s.guide_file)
    assert set(policy.instruments.by_id) == {"demo-bcfpi-shape", "audit", "dudit", "youth-self-report"}
    assert policy.instruments.main.id == "demo-bcfpi-shape"


def test_broken_yaml_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, "min_age: 0\n", "min_age: 0: 3\n")
    assert "not valid YAML" in refused_at(path, load_instrument, line)


def test_unclosed_bracket_names_the_line_where_it_was_opened(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, "    items: [con_1, con_2, con_3, con_4]\n", "    items: [con_1, con_2\n")
    assert f"opened at line {line}" in refused_at(path, load_instrument, line + 1)


def test_item_with_unknown_answer_scale_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, "{id: opp_2, answer_scale: freq3", "{id: opp_2, answer_scale: freq9")
    assert "unknown answer scale 'freq9'" in refused_at(path, load_instrument, line)


def test_norm_table_with_a_gap_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    old = '{ages: "0-17", sex: [female, male, other, unknown], rows: [[0, 0, 40], [1, 2, 45], [3, 3, 52]'
    path, line = edited(DEMO, tmp_path, old, old.replace("[3, 3, 52]", "[4, 4, 52]"))
    assert "without gaps" in refused_at(path, load_instrument, line)


def test_age_without_a_norm_table_is_refused(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, '{ages: "6-17", sex: [female, male, other, unknown]',
                        '{ages: "7-17", sex: [female, male, other, unknown]')
    assert "age 6, sex female: 0 norm tables apply" in str(pytest.raises(DataFileError, load_instrument, path).value)


def test_an_answer_option_that_is_not_a_number_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, '- {value: 2, label: {sv: "Stämmer ofta"',
                        '- {value: two, label: {sv: "Stämmer ofta"')
    refused_at(path, load_instrument, line)


def test_duplicate_keys_are_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(DEMO, tmp_path, "min_age: 0\n", "min_age: 0\nmin_age: 3\n")
    assert "duplicate key 'min_age'" in refused_at(path, load_instrument, line + 1)


def load_guide_here(path: Path):  # type: ignore[no-untyped-def]
    return load_guide(path, load_instruments([DATA / "instruments"], "demo-bcfpi-shape"))


def test_rule_naming_an_unknown_scale_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(GUIDE, tmp_path, "{t_at_least: {scale: low_mood, t: 75}}", "{t_at_least: {scale: sadness, t: 75}}")
    assert "no loaded instrument has a scale 'sadness'" in refused_at(path, load_guide_here, line)


def test_rule_with_an_unknown_level_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(GUIDE, tmp_path, "  - id: PC-2\n    level: primary_care\n",
                        "  - id: PC-2\n    level: hospital\n")
    refused_at(path, load_guide_here, line + 1)


def test_rule_condition_with_two_keys_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(GUIDE, tmp_path, "when: {risk: high}", "when: {risk: high, age_at_least: 13}")
    assert "exactly one key" in refused_at(path, load_guide_here, line)


def test_a_licensees_directory_replaces_the_demo_without_code_changes(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    licensed = tmp_path / "licensed"
    licensed.mkdir()
    text = DEMO.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "licensed-3.2"')
    (licensed / "real-interview.yaml").write_text(text.replace("id: demo-bcfpi-shape", "id: real-interview"),
                                                  encoding="utf-8")
    (licensed / "audit.yaml").write_text(
        (DATA / "instruments" / "audit.yaml").read_text(encoding="utf-8").replace('version: "2026.1"',
                                                                                  'version: "2027.1"'))
    monkeypatch.setenv("TRIAGE_INSTRUMENT_DIR", str(licensed))  # configuration only, as in production
    monkeypatch.setenv("TRIAGE_MAIN_INSTRUMENT", "real-interview")
    s = TriageSettings()
    policy = load_policy(s.instrument_dirs(), s.main_instrument, s.guide_file)
    assert (policy.instruments.main.id, policy.instruments.main.version) == ("real-interview", "licensed-3.2")
    assert policy.instruments.by_id["audit"].version == "2027.1"  # same id: the licensee's file wins


def test_a_main_instrument_that_is_not_loaded_stops_the_service():  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="main instrument 'bcfpi' not found"):
        load_instruments([DATA / "instruments"], "bcfpi")




def test_rule_asking_a_t_score_of_a_scale_without_norms_is_refused(tmp_path):  # type: ignore[no-untyped-def]
    path, line = edited(GUIDE, tmp_path, "{t_at_least: {scale: low_mood, t: 75}}", "{t_at_least: {scale: school, t: 75}}")
    assert "has no norms" in refused_at(path, load_guide_here, line)


def test_self_report_compared_with_a_missing_guardian_scale_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    d = tmp_path / "instruments"
    d.mkdir()
    for f in (DATA / "instruments").iterdir():
        (d / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    path, line = edited(DATA / "instruments" / "youth-self-report.yaml", d, "yr_low_mood: low_mood",
                        "yr_low_mood: sadness")
    assert f"{path}:{line}:" in str(pytest.raises(DataFileError, load_instruments, [d], "demo-bcfpi-shape").value)


def test_a_norm_table_whose_t_falls_as_raw_rises_is_refused_naming_the_line(tmp_path):  # type: ignore[no-untyped-def]
    old = '{ages: "0-17", sex: [female, male, other, unknown], rows: [[0, 0, 40], [1, 2, 45], [3, 3, 52]'
    path, line = edited(DEMO, tmp_path, old, old.replace("[3, 3, 52]", "[3, 3, 44]"))
    assert "T 44.0 is below the previous row's T 45.0" in refused_at(path, load_instrument, line)
