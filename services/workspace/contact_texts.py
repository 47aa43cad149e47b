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
    "checkin_title": ("Hur går det medan ni väntar?", "How are things while you wait?"),
    "checkin_intro": ("Era svar går till personalen på Kontaktcenter barn och unga psykisk hälsa. Inget bestäms "
                      "automatiskt: en person läser och hör av sig om det behövs.",
                      "Your answers go to the staff of the contact centre for child and youth mental health. "
                      "Nothing is decided automatically: a person reads them and contacts you if needed."),
    "checkin_urgent": ("Blir det sämre eller är ni oroliga: ring 1177 och välj 2. Vid akut fara: ring 112.",
                       "If it gets worse or you are worried: call 1177 and choose 2. In acute danger: call 112."),
    "checkin_how": ("Hur har det varit sedan vi hördes?", "How have things been since we were in touch?"),
    "checkin_how_better": ("Bättre", "Better"), "checkin_how_same": ("Som förut", "The same"),
    "checkin_how_worse": ("Sämre", "Worse"),
    "checkin_worry": ("Finns det något nytt som oroar er? (valfritt)", "Is there anything new that worries you? "
                      "(optional)"),
    "checkin_still_wanted": ("Vill ni fortfarande ha tiden?", "Do you still want the appointment?"),
    "checkin_no_longer": ("Nej, vi behöver den inte längre", "No, we no longer need it"),
    "checkin_risk": ("Har barnet haft tankar på att skada sig själv eller att inte vilja leva?",
                     "Has the child had thoughts of hurting themselves or of not wanting to live?"),
    "checkin_risk_short": ("Riskfrågan", "Risk question"),
    "checkin_send": ("Skicka svaren", "Send the answers"),
    "checkin_thanks": ("Tack! Era svar har kommit fram.", "Thank you! Your answers have arrived."),
    "checkin_risk_answer": ("Tack för att ni berättar. Jourhavande behandlare har fått veta det nu och hör av sig. "
                            "Vid akut fara: ring 112.", "Thank you for telling us. The clinician on duty has been "
                            "told now and will contact you. In acute danger: call 112."),
    "call_today": ("Ring i dag: svar från väntande familjer", "Call today: answers from waiting families"),
    "call_today_none": ("Ingen att ringa just nu.", "Nobody to call right now."),
    "call_reason_risk": ("Riskfrågan: ja", "Risk question: yes"), "call_reason_worse": ("Sämre", "Worse"),
    "call_reason_no_longer_needed": ("Behöver inte tiden längre", "No longer needs the time"),
    "call_done": ("Ringt, klar", "Called, done"), "answered": ("Svarade", "Answered"),
    "checkins_h": ("Avstämningar medan familjen väntar", "Check-ins while the family waits"),
    "checkin_sent": ("Skickas/skickad", "Due/sent"), "checkin_words": ("Familjens ord", "The family's words"),
    "close_no_longer_intro": ("Familjen säger att de inte behöver tiden längre. Ring dem först; avsluta sedan "
                              "ärendet med deras ord ovan.", "The family says they no longer need the time. Call "
                              "them first; then close the case with their words above."),
    "close_no_longer": ("Avsluta ärendet: behövs inte längre", "Close the case: no longer needed"),
    "interpreter_booked": ("Tolk bokad (tolkförmedlingens referens {ref}).",
                           "Interpreter booked (the agency's reference {ref})."),
}

CONTACT_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "school_status": {"returned": ("Återsänd med råd (rådet kom med e-post)",
                                   "Returned with advice (the advice came by e-mail)")},
}
