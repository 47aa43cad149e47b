"""Input models of the notifications API."""
from __future__ import annotations

from pydantic import BaseModel, Field

from services.chassis.validation import FreeText


class ResendRequest(BaseModel):
    reason: FreeText(200, 3) = Field(description="Why it is sent again (audited).")  # type: ignore[valid-type]  # the chassis's FreeText builds its Annotated type at run time
