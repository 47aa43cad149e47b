"""The call-back list's and screen's words, Swedish first and English alongside (joined into i18n's tables)."""
from __future__ import annotations

CALLBACK_TEXTS: dict[str, tuple[str, str]] = {
    "callbacks": ("Återuppringningar", "Call-backs"),
    "no_callbacks": ("Inga återuppringningar väntar.", "No call-backs are waiting."),
    "callbacks_unavailable": ("Listan kan inte visas just nu.", "The list cannot be shown right now."),
    "cb_window": ("Lovat", "Promised"), "cb_due": ("Ring", "Ring at"), "cb_try": ("Försök", "Try"),
    "cb_overdue": ("Försenad", "Overdue"), "cb_taken": ("Tagen av en kollega", "Taken by a colleague"),
    "cb_taken_by_me": ("Tagen av dig", "Taken by you"),
    "cb_take": ("Ta återuppringningen", "Take the call-back"),
    "cb_title": ("Återuppringning", "Call-back"),
    "cb_ring": ("Ring upp", "Ring"),
    "cb_ring_intro": ("Ring numret. Svarar uppringaren fortsätter samtalet som ett vanligt samtal.",
                      "Ring the number. If the caller answers, the call goes on as a usual call."),
    "cb_number_gone": ("Numret visas bara för den som tog återuppringningen, i den sessionen. Ta den igen från "
                       "listan.", "The number is shown only to whoever took the call-back, in that session. Take "
                                  "it again from the list."),
    "cb_reached": ("Nådd – fortsätt samtalet", "Reached – go on with the call"),
    "cb_not_reached": ("Inte nådd", "Not reached"),
    "cb_cancelled": ("Uppringaren avbokade", "The caller cancelled"),
    "cb_release": ("Lägg tillbaka i listan", "Put back on the list"),
    "cb_reason_queue_full": ("Full kö", "Queue full"), "cb_reason_chosen": ("Valde 'ring upp mig'", "Chose 'call me back'"),
    "cb_tries_left": ("Försök {n} av {of}", "Try {n} of {of}"),
    "cb_next_try": ("Nästa försök {at}.", "Next try {at}."),
    "cb_failed": ("Tre försök utan svar: familjen får ett sms om att ringa oss.",
                  "Three tries without an answer: the family is sent an SMS asking them to call us."),
    "cb_done_cancelled": ("Återuppringningen är avbokad.", "The call-back is cancelled."),
    "cb_lost": ("En kollega tog återuppringningen före dig.", "A colleague took the call-back before you."),
    "back_to_queue": ("Tillbaka till arbetskön", "Back to the work queue"),
    "est_wait": ("Beräknad väntetid i telefonkön", "Estimated wait in the phone queue"),
    "est_wait_value": ("{min} min · {waiting} i kö · {agents} inloggade",
                       "{min} min · {waiting} waiting · {agents} signed in"),
    "est_no_staff": ("ingen inloggad i kön", "nobody signed in to the queue"),
    "est_offer": ("Samtalsplattformen erbjuder återuppringning.", "The call platform offers call-back."),
    "test_call_full": ("Testsamtal: full kö", "Test call: queue full"),
}
