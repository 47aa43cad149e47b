"""An interpreter booked with the visit: what is asked of the interpreting agency, and what staff are told when it
has no interpreter (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from contracts.booking import InterpreterMode
from services.chassis.refusal import Refusal

NO_INTERPRETER = Refusal(
    "slot_id", "interpreter_unavailable",
    "Tolkförmedlingen har ingen ledig tolk i familjens språk till den här tiden, så tiden bokades inte. "
    "Välj en annan tid; tiden är släppt.",
    "The interpreting agency has no interpreter in the family's language free at this time, so the time was not "
    "booked. Choose another time; this one is released.", 409)
AGENCY_AWAY = Refusal(
    "slot_id", "interpreting_unreachable",
    "Tolkförmedlingen svarar inte just nu, så tiden kunde inte bokas med tolk. Försök igen om en stund; tiden hålls "
    "så länge hållningen gäller.",
    "The interpreting agency does not answer right now, so the time could not be booked with an interpreter. Try "
    "again shortly; the time stays held while the hold lasts.", 503)


@dataclass(frozen=True)
class InterpreterRequest:
    """What the agency is asked: language, time, place and how; no name or identity of the family."""

    language: str
    starts_at: datetime
    ends_at: datetime
    unit_id: str
    mode: InterpreterMode
    reference: str  # our reference for the agency (the hold): a retry with it gets the same booking

    def as_json(self) -> dict[str, str]:
        return {"language": self.language, "starts_at": self.starts_at.isoformat(),
                "ends_at": self.ends_at.isoformat(), "unit_id": self.unit_id, "mode": self.mode,
                "reference": self.reference}


def mode_for(digital: bool) -> InterpreterMode:
    """A video visit has the interpreter in the video call; any other visit has the interpreter on site."""
    return "video" if digital else "on_site"


def needs_interpreter(language: str | None, interpreter_needed: bool) -> str | None:
    """The language to book an interpreter in, or None when the family needs none."""
    return language if interpreter_needed and language else None


class AgencyUnreachable(Exception):
    """The agency did not answer (or answered with an error): nothing is known to be booked."""


class InterpretingAgency(Protocol):
    """The interpreting agency's booking API, as booking uses it (HTTP in production and on the embedded default)."""

    def book(self, request: InterpreterRequest) -> str | None:
        """The agency's booking reference, or None when it has no interpreter free then; AgencyUnreachable else."""

    def cancel(self, booking_id: str) -> bool:
        """Best effort: False when the agency could not be told."""
