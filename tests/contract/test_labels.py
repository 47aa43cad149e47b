"""contracts/labels.yaml has words, in Swedish and English, for every code the services send or keep in data."""
from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from contracts.callbacks import CallbackReason
from contracts.common import CareLevel, Channel, Role, Sex, SignpostDestination, Source
from contracts.intake import Line
from contracts.kpi import GuaranteeAtRiskPayload
from contracts.labels import choices, label, labels
from services.intake.domain.telephony import Step
from services.intake.forms import ProblemArea

ROOT = Path(__file__).resolve().parents[2]


def data(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def instrument_flags() -> set[str]:
    flags: set[str] = set()
    for f in (ROOT / "services/triage/data/instruments").glob("*.yaml"):
        for section in yaml.safe_load(f.read_text(encoding="utf-8")).get("sections", []):
            flags |= {r["flag"] for item in section["items"] for r in item.get("risk") or []}
    return flags


CODES: dict[str, set[str]] = {
    "level": set(get_args(CareLevel)), "channel": set(get_args(Channel)), "source": set(get_args(Source)),
    "sex": set(get_args(Sex)), "role": set(get_args(Role)), "destination": set(get_args(SignpostDestination)),
    "line": set(get_args(Line)), "call_step": set(get_args(Step)), "reason": set(get_args(ProblemArea)),
    "clock": set(get_args(GuaranteeAtRiskPayload.model_fields["clock"].annotation)),
    "question": set(data("services/triage/data/care_level_guide.yaml")["two_level_care"]["questions"]),
    "intervention": set(data("services/triage/data/care_level_guide.yaml")["two_level_care"]["interventions"]),
    "course_kind": set(data("services/booking/data/units.yaml")["course_kinds"]),
    "unit_level": {u["level"] for u in data("services/booking/data/units.yaml")["units"]},
    "deviation": {r["id"] for r in data("services/kpi/data/deviation_rules.yaml")["rules"]},
    "risk_flag": instrument_flags(), "callback_reason": set(get_args(CallbackReason)),
    "template": set(data("services/notifications/data/templates.yaml")["family"])
    | set(data("services/notifications/data/templates.yaml")["staff"]),
}


@pytest.mark.parametrize("kind", sorted(CODES))
def test_every_code_has_words_in_both_languages(kind: str) -> None:
    missing = CODES[kind] - labels()[kind].keys()
    assert not missing, f"{kind}: no words for {sorted(missing)} in contracts/labels.yaml"
    for code in CODES[kind]:
        sv, en = label(kind, code, "sv"), label(kind, code, "en")
        assert "_" not in sv + en, (kind, code, sv, en)


def test_deviation_titles_are_the_kpi_rules_own_words() -> None:
    for rule in data("services/kpi/data/deviation_rules.yaml")["rules"]:
        assert (label("deviation", rule["id"], "sv"), label("deviation", rule["id"], "en")) == \
            (rule["title_sv"], rule["title_en"]), rule["id"]


def test_an_unknown_code_is_shown_as_it_is_and_pick_lists_keep_the_files_order() -> None:
    assert label("reason", "F41.1") == "F41.1"  # an ICD-10 code from EDI is already a word to a clinician
    assert label("level", None) == "–"
    assert choices("reason", "en")[:2] == [("anxiety", "Anxiety"), ("low_mood", "Low mood")]


def test_staff_mail_subjects_are_words() -> None:
    from services.notifications.domain.templates import SAMPLES, TemplateFile, Templates

    templates = Templates(TemplateFile.model_validate(data("services/notifications/data/templates.yaml")))
    for name in ("no_bookable_slots", "deviation_tagged", "guarantee_at_risk", "delivery_failed", "risk_escalated"):
        for lang in ("sv", "en"):
            said = templates.render(name, lang, SAMPLES[name])
            assert "_" not in said.subject, (name, lang, said.subject)
    assert templates.render("deviation_tagged", "sv", SAMPLES["deviation_tagged"]).subject == \
        "Avvikelse: Inga bokningsbara tider på beslutad vårdnivå (Primärvård (hälsocentral))"
