"""Booking's pure rules: what a case is offered, what may be held, booked, changed, seated and reported."""
from __future__ import annotations

from services.chassis.refusal import Refusal, Refused


def enforce(refusal: Refusal | None) -> None:
    """Raise the refusal a rule returned, if it returned one (the rules themselves only answer)."""
    if refusal is not None:
        raise Refused(refusal)
