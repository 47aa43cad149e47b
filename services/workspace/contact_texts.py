"""Words of the keep-in-touch screens (the family's language and interpreter, returning a referral, what the
referrer and the family were told), Swedish first and English alongside; merged into the workspace's i18n."""
from __future__ import annotations

CONTACT_TEXTS: dict[str, tuple[str, str]] = {
    "family_language": ("Familjens språk", "The family's language"),
    "language_not_told": ("Inte angivet", "Not told"),
    "interpreter_needed": ("Familjen behöver tolk", "The family needs an interpreter"),
    "interpreter": ("Tolk", "Interpreter"),
    "needs_interpreter": ("behöver tolk", "needs an interpreter"),
    "language_col": ("Språk", "Language"),
    "interpreter_with_time": ("Familjen behöver tolk ({language}): tolken bokas hos tolkförmedlingen när tiden "
                              "bokas. Har förmedlingen ingen tolk då, bokas inte tiden och du får veta varför.",
                              "The family needs an interpreter ({language}): the interpreter is booked with the "
                              "agency as the time is booked. If the agency has none then, the time is not booked "
                              "and you are told why."),
    "interpreter_booked": ("Tolk bokad (tolkförmedlingens referens {ref}).",
                           "Interpreter booked (the agency's reference {ref})."),
}
