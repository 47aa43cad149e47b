"""Loads and validates the notifications service's versioned data files at start-up: policy, staff directory,
templates, what referrers hear."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.chassis.auth import ROLES
from services.notifications.domain.checkins import CheckinPolicy
from services.notifications.domain.directory import StaffDirectory
from services.notifications.domain.policy import NotificationPolicy
from services.notifications.domain.referrer_status import ReferrerUpdates
from services.notifications.domain.templates import TemplateFile, Templates

DATA = Path(__file__).parent / "data"
POLICY_FILE = DATA / "notification_policy.yaml"
DIRECTORY_FILE = DATA / "staff_directory.yaml"
TEMPLATES_FILE = DATA / "templates.yaml"
REFERRER_UPDATES_FILE = DATA / "referrer_updates.yaml"
CHECKIN_POLICY_FILE = DATA / "checkin_policy.yaml"


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_policy(path: Path = POLICY_FILE) -> NotificationPolicy:
    """Parse and validate (the stream may name the product's roles only); a broken file stops the start."""
    return NotificationPolicy.model_validate(_read(path), context={"roles": ROLES})


def load_directory(path: Path = DIRECTORY_FILE) -> StaffDirectory:
    """Parse and validate; a broken file stops the service at start-up."""
    return StaffDirectory.model_validate(_read(path))


def load_templates(path: Path = TEMPLATES_FILE, unit_names: dict[str, str] | None = None) -> Templates:
    """Parse, then render every template with its sample context; a broken file stops the start."""
    return Templates(TemplateFile.model_validate(_read(path)), unit_names or {})


def load_referrer_updates(path: Path = REFERRER_UPDATES_FILE) -> ReferrerUpdates:
    """Parse and validate which steps each kind of referrer hears; a broken file stops the start."""
    return ReferrerUpdates.model_validate(_read(path))


def load_checkin_policy(path: Path = CHECKIN_POLICY_FILE) -> CheckinPolicy:
    """Parse and validate when waiting families are checked in with; a broken file stops the start."""
    return CheckinPolicy.model_validate(_read(path))
