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
    "reply_name": ("Remittent enligt brevhuvudet (valfritt)", "Referrer as on the letterhead (optional)"),
    "reply_address": ("Remittentens postadress (valfritt; dit går brevet om vad som hände med remissen)",
                      "The referrer's postal address (optional; where the letter about the referral goes)"),
    "interpreter_with_time": ("Familjen behöver tolk ({language}): tolken bokas hos tolkförmedlingen när tiden "
                              "bokas. Har förmedlingen ingen tolk då, bokas inte tiden och du får veta varför.",
                              "The family needs an interpreter ({language}): the interpreter is booked with the "
                              "agency as the time is booked. If the agency has none then, the time is not booked "
                              "and you are told why."),
    "return_title": ("Återsänd remissen med råd", "Return the referral with advice"),
    "return_intro": ("Remittenten får skälet och rådet; familjen får veta att remissen gått tillbaka; ärendet "
                     "avslutas som återsänt.", "The referrer gets the reason and the advice; the family is told "
                     "the referral went back; the case closes as returned."),
    "return_reason": ("Skäl", "Reason"),
    "return_advice": ("Råd till remittenten (skickas till remittenten)", "Advice to the referrer (sent to them)"),
    "return_send": ("Återsänd till remittenten", "Return to the referrer"),
    "case_returned": ("Remissen är återsänd till remittenten med råd och ärendet är avslutat.",
                      "The referral is returned to the referrer with advice and the case is closed."),
    "returned_h": ("Återsänd till remittenten", "Returned to the referrer"),
    "returned_reason": ("Skäl", "Reason"), "returned_advice": ("Råd", "Advice"),
    "interpreter_booked": ("Tolk bokad (tolkförmedlingens referens {ref}).",
                           "Interpreter booked (the agency's reference {ref})."),
}

CONTACT_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "school_status": {"returned": ("Återsänd med råd (rådet kom med e-post)",
                                   "Returned with advice (the advice came by e-mail)")},
}
