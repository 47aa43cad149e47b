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
}
