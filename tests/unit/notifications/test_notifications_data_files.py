"""The policy, staff directory and template files: each rule pinned, and broken files refused at start-up."""
from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.chassis.clock import STOCKHOLM
from services.notifications.domain.templates import SAMPLES
from services.notifications.rules import (
    DIRECTORY_FILE,
    POLICY_FILE,
    TEMPLATES_FILE,
    load_directory,
    load_policy,
    load_templates,
)

POLICY = load_policy()
DIRECTORY = load_directory()
TEMPLATES = load_templates()


def edited(tmp_path: Path, source: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    out = tmp_path / source.name
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def test_policy_rules_as_decided():
    assert POLICY.version == "2026.2"
    assert POLICY.reminder_hours_before == 48
    assert (POLICY.reminder_evening_at, POLICY.reminder_min_gap_hours) == (time(18, 0), 6)
    assert (POLICY.quiet_hours.start, POLICY.quiet_hours.end) == (time(21, 0), time(8, 0))
    assert POLICY.quiet_hours.silent_channels == ("digital_letter", "email")
    assert (POLICY.quiet_hours.visit_margin_minutes, POLICY.quiet_hours.early_sms_at) == (120, time(7, 0))
    assert POLICY.channel_order == ("sms", "email", "digital_letter")
    assert POLICY.stream.unit_scoped_roles == ("unit_head", "scheduler")
    assert POLICY.stream.kinds["RiskEscalated"].restricted_roles == ("clinician", "kc_head")
    assert "kpi_analyst" not in {r for k in POLICY.stream.kinds.values() for r in k.roles}


def test_directory_routes_as_decided():
    assert DIRECTORY.kc_head == "S-KC-HEAD"
    assert DIRECTORY.coordinators == ("S-COORD-BUP", "S-COORD-KC")
    monday_9 = datetime(2024, 1, 8, 9, 0, tzinfo=STOCKHOLM)
    assert DIRECTORY.on_duty(monday_9) == "S-DUTY-DAY"
    assert DIRECTORY.on_duty(datetime(2024, 1, 8, 17, 0, tzinfo=STOCKHOLM)) == "S-DUTY-EVENING"
    assert DIRECTORY.on_duty(datetime(2024, 1, 13, 12, 0, tzinfo=STOCKHOLM)) == "S-DUTY-WEEKEND"
    assert DIRECTORY.on_duty(datetime(2024, 1, 8, 7, 59, tzinfo=STOCKHOLM)) == "S-DUTY-WEEKEND"  # Sunday night


def test_rota_with_a_gap_is_refused(tmp_path: Path):
    def gap(d):  # type: ignore[no-untyped-def]
        d["rota"][0]["to"] = "16:00"
    with pytest.raises(ValidationError, match="0 clinicians on duty at mon 16:00"):
        load_directory(edited(tmp_path, DIRECTORY_FILE, gap))


def test_unknown_staff_ref_is_refused(tmp_path: Path):
    def unknown(d):  # type: ignore[no-untyped-def]
        d["coordinators"] = ["S-COORD-BUP", "S-NOBODY"]
    with pytest.raises(ValidationError, match="S-NOBODY"):
        load_directory(edited(tmp_path, DIRECTORY_FILE, unknown))


def test_policy_without_a_stream_rule_for_a_kind_is_refused(tmp_path: Path):
    def drop(d):  # type: ignore[no-untyped-def]
        del d["stream"]["kinds"]["RiskEscalated"]
    with pytest.raises(ValidationError, match="RiskEscalated"):
        load_policy(edited(tmp_path, POLICY_FILE, drop))


def test_every_template_in_both_languages_and_young_wording():
    assert TEMPLATES.data.version == "2026.5"
    for name in SAMPLES:
        for lang in ("sv", "en"):
            assert TEMPLATES.render(name, lang, SAMPLES[name]).body
    young = TEMPLATES.render("appointment_confirmation", "sv", SAMPLES["appointment_confirmation"], young=True)
    assert young.body.startswith("Hej! Du har en tid hos BUP Umeå 1 dec 2022 kl. 09:00.")


def test_template_with_an_unknown_variable_is_refused_at_start(tmp_path: Path):
    def typo(d):  # type: ignore[no-untyped-def]
        d["family"]["appointment_reminder"]["en"]["body"] = "See you {{ unit_nme }}"
    with pytest.raises(ValueError, match="appointment_reminder/en"):
        load_templates(edited(tmp_path, TEMPLATES_FILE, typo))


def test_template_missing_young_wording_is_refused(tmp_path: Path):
    def drop(d):  # type: ignore[no-untyped-def]
        del d["family"]["group_welcome"]["sv"]["young"]
    with pytest.raises(ValueError, match="young-person wording"):
        load_templates(edited(tmp_path, TEMPLATES_FILE, drop))
