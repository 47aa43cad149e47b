"""The family's language on every form that opens a case: the choice list (intake's language list), the two
answers as intake's forms take them, and the name shown on the case and the queue."""
from __future__ import annotations

from typing import Any

from services.workspace.backend import Refused
from services.workspace.sessions import Session
from services.workspace.web import Web

LANGUAGE_FIELDS = {"language": "language", "interpreter_needed": "interpreter_needed"}


async def language_choices(web: Web, session: Session) -> list[dict[str, str]]:
    """The languages to choose from, Swedish first, the rest by name in the person's language. Intake away: none
    (the form then opens the case without a language, which the case screen can show as unknown)."""
    try:
        data: dict[str, Any] = await web.backend.get(session, "intake", "/api/languages")
    except Refused:
        return []
    i = "en" if session.lang == "en" else "sv"
    langs = [{"code": x["code"], "name": x[i]} for x in data.get("languages", [])]
    return sorted(langs, key=lambda x: (x["code"] != "sv", x["name"].casefold()))


def language_answer(language: str, interpreter: str) -> dict[str, Any]:
    """The form's two inputs as intake's form fields: no language chosen is 'not told'."""
    return {"language": language.strip() or None, "interpreter_needed": interpreter in ("yes", "on", "true")}
