"""Input models of the notifications API."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from services.chassis.validation import FreeText


class ResendRequest(BaseModel):
    reason: FreeText(200, 3) = Field(description="Why it is sent again (audited).")  # type: ignore[valid-type]  # the chassis's FreeText builds its Annotated type at run time

# a family's own words: FreeText builds its constrained type at run time, which a checker cannot follow
if TYPE_CHECKING:
    Worry: TypeAlias = str
else:
    Worry = FreeText(1000)


class CheckinAnswers(BaseModel):
    """A waiting family's answers to a check-in: three questions and the instrument's risk question."""

    model_config = ConfigDict(extra="forbid")
    how: Literal["better", "same", "worse"] = Field(description="Since we were in touch: better, the same, or worse.")
    worry: Worry = Field("", description="Anything new that worries you (sealed at once).")
    still_wanted: bool = Field(description="Do you still want the appointment?")
    risk: bool = Field(description="The instrument's risk question: thoughts of hurting oneself, or of not wanting "
                                   "to live (yes puts you through to the clinician on duty's list at once).")
