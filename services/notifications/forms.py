"""Input models of the notifications API."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.chassis.validation import FreeText


class ResendRequest(BaseModel):
    reason: FreeText(200, 3) = Field(description="Why it is sent again (audited).")  # type: ignore[valid-type]  # the chassis's FreeText builds its Annotated type at run time


class CheckinAnswers(BaseModel):
    """A waiting family's answers to a check-in: three questions and the instrument's risk question."""

    model_config = ConfigDict(extra="forbid")
    how: Literal["better", "same", "worse"] = Field(description="Since we were in touch: better, the same, or worse.")
    worry: FreeText(1000) = Field("", description="Anything new that worries you (sealed at once).")  # type: ignore[valid-type]  # the chassis's FreeText builds its Annotated type at run time
    still_wanted: bool = Field(description="Do you still want the appointment?")
    risk: bool = Field(description="The instrument's risk question: thoughts of hurting oneself, or of not wanting "
                                   "to live (yes puts you through to the clinician on duty's list at once).")
