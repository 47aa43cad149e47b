"""Intake's reference data files (policy rules, the schools' list, the call-back policy, the languages,
the reasons a referral is returned for): read and validated at start-up."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from services.intake.domain.callback_policy import CallbackPolicy
from services.intake.domain.language import LanguageList
from services.intake.domain.returns import ReturnReasons
from services.intake.domain.rules import IntakeRules
from services.intake.domain.school import SchoolList

DATA = Path(__file__).parent / "data"
RULES_FILE = DATA / "intake_rules.yaml"
SCHOOLS_FILE = DATA / "schools.yaml"
CALLBACK_POLICY_FILE = DATA / "callback_policy.yaml"
LANGUAGES_FILE = DATA / "languages.yaml"
RETURN_REASONS_FILE = DATA / "return_reasons.yaml"


def load_rules(path: Path = RULES_FILE) -> IntakeRules:
    """Parse and validate the rules file; a broken file stops the service at start-up."""
    return IntakeRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_rules() -> IntakeRules:
    return load_rules()


def load_schools(path: Path = SCHOOLS_FILE) -> SchoolList:
    """Parse and validate the school list; a broken file (or a duplicate id) stops start-up."""
    schools = SchoolList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [s.id for s in schools.schools]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate school ids in {path}")
    return schools


def load_callback_policy(path: Path = CALLBACK_POLICY_FILE) -> CallbackPolicy:
    """Parse and validate the call-back policy; a broken file stops start-up."""
    return CallbackPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
def load_languages(path: Path = LANGUAGES_FILE) -> LanguageList:
    """Parse and validate the language list; a broken file (a duplicate code, no Swedish) stops start-up."""
    return LanguageList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_return_reasons(path: Path = RETURN_REASONS_FILE) -> ReturnReasons:
    """Parse and validate the return reasons; a broken file (a duplicate code) stops start-up."""
    return ReturnReasons.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
