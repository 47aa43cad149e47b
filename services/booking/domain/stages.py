"""BUP's later stages as a unit reports them: which stage, whether the case is BUP's, the order of the dates."""
from __future__ import annotations

from datetime import datetime
from typing import TypeGuard

from contracts.booking import BupStage
from services.chassis.refusal import Refusal, Refused

STAGES: tuple[BupStage, ...] = ("investigation", "treatment")
NOT_BUP = Refusal("case_id", "not_bup", "Ärendet är inte beslutat till BUP.", "The case has not been decided for BUP.",
                  409)


def is_stage(stage: str) -> TypeGuard[BupStage]:
    return stage in STAGES


def stage(name: str) -> BupStage:
    """The stage named in the path (checked after the body, so one error shape names it)."""
    if not is_stage(name):
        raise Refused(Refusal("stage", "enum", "Steget ska vara investigation eller treatment.",
                              "stage must be investigation or treatment."))
    return name


def why_not_report(case_known: bool, level: str | None) -> Refusal | None:
    """A unit reports stages only of a case booking knows as decided for BUP."""
    return None if case_known and level == "bup" else NOT_BUP


def why_not_started(decided_at: datetime | None, started_at: datetime) -> Refusal | None:
    if decided_at is not None and decided_at > started_at:
        return Refusal("decided_at", "range", "Beslutet kan inte ligga efter starten.",
                       "The decision cannot be after the start.")
    return None
