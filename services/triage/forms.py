"""Input models of the triage API: answers, an override with its reason, two-level care."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from contracts.common import CareLevel
from services.chassis.validation import FreeText


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(_Body):
    form: str = Field(max_length=60, description="Instrument id.", examples=["demo-bcfpi-shape"])
    item: str = Field(max_length=60, description="Item id.", examples=["mood_1"])
    value: int = Field(ge=-1000, le=1000, examples=[2],  # any scale's values fit; the instrument checks the option
                       description="The chosen option's value on the item's answer scale.")


class AnswersIn(_Body):
    answers: list[Answer] = Field(min_length=1, max_length=200)


class OverrideIn(_Body):
    level: CareLevel = Field(description="The clinician's level.", examples=["bup"])
    reason: FreeText(1000, 3) = Field(  # type: ignore[valid-type]  # FreeText builds its Annotated type at run time
        description="Mandatory reason for deviating from the guide.")


class CollaborationIn(_Body):
    question: str = Field(max_length=60, examples=["stepwise_adhd_assessment"])
    intervention: str = Field(max_length=60, examples=["joint_assessment"])
    health_centre_unit: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["hc-ersboda"])
    bup_unit: str = Field(max_length=60, examples=["bup-umea"])
