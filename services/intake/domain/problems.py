"""A refused input, field by field, in Swedish and English (the API turns it into HTTP 422)."""
from __future__ import annotations


def problem(field: str, sv: str, en: str, code: str) -> dict[str, str]:
    return {"field": field, "code": code, "sv": sv, "en": en}


class Invalid(Exception):
    """The input breaks one or more rules; nothing has been stored."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems
