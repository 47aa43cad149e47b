"""Why a rule said no: one refusal type for every service's domain, use cases and routes (nothing of HTTP here)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """One refused field: a stable code, the reason in Swedish and English, and the HTTP status it answers."""

    field: str
    code: str
    sv: str
    en: str
    status: int = 422
    location: str = "body"

    def as_error(self) -> dict[str, str]:
        """The problem document's `errors[]` entry."""
        return {"field": self.field, "location": self.location, "code": self.code, "sv": self.sv, "en": self.en}


class Refused(Exception):
    """Raised with one or more refusals; the unit of work rolls back, so nothing of the request is kept."""

    def __init__(self, *refusals: Refusal) -> None:
        if not refusals:
            raise ValueError("a refusal names at least one field")
        super().__init__(*refusals)
        self.refusals = refusals

    @property
    def status(self) -> int:
        return self.refusals[0].status

    @property
    def errors(self) -> list[dict[str, str]]:
        return [r.as_error() for r in self.refusals]
