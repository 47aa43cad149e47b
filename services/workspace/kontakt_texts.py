"""'Kontakta oss' words, Swedish first and English alongside, for guardians and young people (joined into i18n)."""
from __future__ import annotations

KONTAKT_TEXTS: dict[str, tuple[str, str]] = {
    "ko_brand": ("Kontaktcenter barn och unga psykisk hälsa", "Child and Youth Mental Health Contact Centre"),
    "ko_title": ("Kontakta oss – barn och unga psykisk hälsa", "Contact us – child and youth mental health"),
    "ko_intro": ("Här kan du som är vårdnadshavare, eller du som är 13–17 år, be Kontaktcenter barn och unga psykisk "
                 "hälsa i Region Västerbotten att kontakta er. Vi läser det du skriver och ringer upp dig.",
                 "Here a guardian, or a young person aged 13–17, can ask the Child and Youth Mental Health Contact "
                 "Centre of Region Västerbotten to get in touch. We read what you write and call you back."),
    "ko_acute_h": ("Är det akut?", "Is it an emergency?"),
    "ko_acute_112": ("Ring 112 om någon är i fara eller har skadat sig allvarligt.",
                     "Call 112 if someone is in danger or seriously hurt."),
    "ko_acute_1177": ("Ring 1177 för sjukvårdsrådgivning dygnet runt.", "Call 1177 for health advice day and night."),
    "ko_acute_psych": ("Psykiatrisk akutmottagning: åk till närmaste akutmottagning (Norrlands universitetssjukhus i "
                       "Umeå, Skellefteå lasarett eller Lycksele lasarett), eller ring 1177 så får du veta vart du ska.",
                       "Psychiatric emergency care: go to the nearest emergency department (Norrland University "
                       "Hospital in Umeå, Skellefteå hospital or Lycksele hospital), or call 1177 to be told where."),
    "ko_acute_now": ("Det du svarade låter som att det kan vara akut. Vänta inte på att vi ringer:",
                     "What you answered sounds as if it may be urgent. Do not wait for our call:"),
    "ko_acute_sent": ("Vi har också larmat jourhavande behandlare hos oss. Ditt ärende ligger först i vår kö.",
                      "We have also alerted our clinician on duty. Your case is first in our queue."),
    "ko_start_guardian": ("Jag är vårdnadshavare", "I am a guardian"),
    "ko_start_young": ("Jag är 13–17 år och söker för mig själv", "I am 13–17 and ask for myself"),
    "ko_rights_h": ("Vem får skicka?", "Who may send?"),
    "ko_rights_guardian": ("Vårdnadshavare kan be om kontakt för sitt barn. Har barnet två vårdnadshavare pratar vi "
                           "med båda innan barnet får behandling.",
                           "A guardian may ask for contact for their child. If the child has two guardians, we talk "
                           "to both before the child is treated."),
    "ko_rights_young": ("Från 13 år kan du kontakta oss själv. Du kan säga om du vill att vi pratar med dina "
                        "vårdnadshavare; vi tar hänsyn till vad du vill och berättar vad som gäller för dig.",
                        "From 13 you may contact us yourself. You can tell us whether you want us to talk to your "
                        "guardians; we take your wishes into account and tell you what applies to you."),
    "ko_rights_under13": ("Är du under 13 år? Be en vuxen du litar på om hjälp, prata med skolsköterskan eller ring "
                          "1177 och välj 2.", "Under 13? Ask an adult you trust, talk to the school nurse, or call "
                                              "1177 and choose 2."),
    "ko_signin_h": ("Logga in med e-legitimation", "Sign in with e-identification"),
    "ko_signin_prod": ("Du loggar in med BankID eller Freja eID via regionens inloggningstjänst.",
                       "You sign in with BankID or Freja eID through the region's sign-in service."),
    "ko_standin": ("TESTINLOGGNING – ingen riktig e-legitimation. Finns bara i den inbyggda provmiljön; i drift "
                   "loggar du in med BankID eller Freja eID.",
                   "TEST SIGN-IN – no real e-identification. Only on the embedded test system; in production you "
                   "sign in with BankID or Freja eID."),
    "ko_your_pnr": ("Ditt personnummer (som e-legitimationen skulle ge)", "Your personal identity number (as the "
                                                                          "e-identification would give it)"),
    "ko_form_h": ("Berätta för oss", "Tell us"),
    "ko_signed_as_guardian": ("Du skickar som vårdnadshavare.", "You send as a guardian."),
    "ko_signed_as_young": ("Du skickar för dig själv.", "You send for yourself."),
    "ko_child_pnr": ("Barnets personnummer", "The child's personal identity number"),
    "ko_municipality": ("Kommun där barnet bor", "Municipality where the child lives"),
    "ko_worries": ("Vad oroar dig? Välj det som stämmer", "What worries you? Choose what fits"),
    "ko_worry_text": ("Berätta med egna ord (minst 10 tecken)", "Tell us in your own words (at least 10 characters)"),
    "ko_urgency": ("Hur bråttom känns det?", "How urgent does it feel?"),
    "ko_risk_h": ("Frågor om akut fara", "Questions about acute danger"),
    "ko_risk_self_harm_now": ("Skadar barnet sig själv, eller är på väg att göra det, just nu?",
                              "Is the child hurting themselves, or about to, right now?"),
    "ko_risk_suicide_thoughts": ("Pratar barnet om, eller planerar, att ta sitt liv?",
                                 "Does the child talk about, or plan, taking their life?"),
    "ko_risk_danger_now": ("Är barnet eller någon annan i fara just nu?", "Is the child or someone else in danger "
                                                                          "right now?"),
    "ko_yes": ("Ja", "Yes"), "ko_no": ("Nej", "No"),
    "ko_reach_h": ("Hur når vi dig?", "How do we reach you?"),
    "ko_phone": ("Mobilnummer vi ringer", "Mobile number we call"),
    "ko_when": ("När passar det bäst att vi ringer?", "When is it best for us to call?"),
    "ko_sms_ok": ("Ni får skicka ett sms med tiden", "You may send an SMS with the time"),
    "ko_language": ("Språk i samtalet", "Language of the call"),
    "ko_other_language": ("Vilket språk?", "Which language?"),
    "ko_interpreter": ("Vi behöver tolk", "We need an interpreter"),
    "ko_guardians_may_know": ("Får vi prata med dina vårdnadshavare?", "May we talk to your guardians?"),
    "ko_guardians_unsure": ("Vet inte – vi pratar om det när vi ringer", "Not sure – we talk about it when we call"),
    "ko_send": ("Skicka", "Send"),
    "ko_receipt_h": ("Tack – vi har tagit emot ditt meddelande", "Thank you – we have received your message"),
    "ko_receipt_ref": ("Ditt referensnummer: {ref}. Mottaget {at}.", "Your reference: {ref}. Received {at}."),
    "ko_receipt_call": ("Vi ringer dig {start}–{end}.", "We will call you {start}–{end}."),
    "ko_receipt_sms": ("Du får också ett sms med tiden.", "You will also get an SMS with the time."),
    "ko_receipt_signposted": ("Utifrån det du angav (ålder eller bostadsort) hör ärendet inte till oss. Ring 1177 så "
                              "får du hjälp att hitta rätt mottagning.",
                              "From what you gave (age or place of residence) this is not ours to handle. Call 1177 "
                              "to be helped to the right clinic."),
    "ko_unavailable": ("Formuläret kan inte ta emot meddelanden just nu. Ring 1177 och välj 2.",
                       "The form cannot take messages right now. Call 1177 and choose 2."),
    "ko_signed_out": ("Logga ut", "Sign out"),
    "ko_case_h": ("Kontakta oss: det avsändaren skrev", "Contact us: what the sender wrote"),
    "ko_sender_role": ("Avsändare", "Sender"), "ko_urgency_short": ("Brådska", "Urgency"),
    "ko_acute_badge": ("Akut risk", "Acute risk"),
}

KONTAKT_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "urgency": {"weeks": ("Det kan vänta några veckor", "It can wait a few weeks"),
                "days": ("Inom några dagar", "Within a few days"),
                "today": ("I dag eller så snart som möjligt", "Today or as soon as possible")},
    "preferred_time": {"morning": ("Förmiddag (8–12)", "Morning (8–12)"),
                       "afternoon": ("Eftermiddag (12–16)", "Afternoon (12–16)"),
                       "any": ("När som helst", "Any time")},
    "ko_language": {"sv": ("Svenska", "Swedish"), "en": ("Engelska", "English"), "other": ("Annat språk", "Another "
                                                                                                         "language")},
    "risk_signal": {"self_harm_now": ("Skadar sig just nu", "Self-harm now"),
                    "suicidal_thoughts": ("Tankar på eller planer att ta sitt liv", "Thoughts or plans of suicide"),
                    "danger_now": ("Fara just nu", "Danger now")},
}
