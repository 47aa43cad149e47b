"""Every word the workspace shows, Swedish first and English alongside; labels for the services' codes."""
from __future__ import annotations

import logging
from collections.abc import Callable

from contracts.labels import labels
from services.workspace.callback_texts import CALLBACK_TEXTS
from services.workspace.contact_texts import CONTACT_LABELS, CONTACT_TEXTS
from services.workspace.forecast_texts import FORECAST_TEXTS
from services.workspace.kontakt_texts import KONTAKT_LABELS, KONTAKT_TEXTS
from services.workspace.queue_texts import QUEUE_TEXTS
from services.workspace.school_texts import SCHOOL_LABELS, SCHOOL_TEXTS
from services.workspace.signin_texts import SIGNIN_TEXTS
from services.workspace.summer import SUMMER_LABELS, SUMMER_TEXTS

LANGS = ("sv", "en")

log = logging.getLogger("kontakt.workspace")

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("En väg in – arbetsyta", "En väg in – workspace"),
    "school_brand": ("Kontaktcenter barn och unga psykisk hälsa – för skolan",
                     "Child and Youth Mental Health Contact Centre – for schools"),
    "skip": ("Hoppa till innehållet", "Skip to content"),
    "signin": ("Logga in", "Sign in"),
    "signout": ("Logga ut", "Sign out"),
    "signin_local_note": ("Lokal inloggning för den inbyggda provmiljön. I drift loggar du in via regionens "
                          "identitetstjänst (OIDC); den här sidan finns inte där.",
                          "Local sign-in for the embedded test system. In production you sign in through the "
                          "region's identity provider (OIDC); this page does not exist there."),
    "signin_oidc": ("Inloggning sker via regionens identitetstjänst.", "Sign-in is through the region's identity provider."),
    "role": ("Roll", "Role"), "unit": ("Enhet", "Unit"), "no_unit": ("Ingen enhet", "No unit"),
    "signed_in_as": ("Inloggad som", "Signed in as"),
    "language": ("Språk", "Language"), "other_lang": ("English", "Svenska"),
    "pick_search": ("Sök i listan", "Search the list"),
    "nav_queue": ("Arbetskö", "Work queue"), "nav_paper": ("Registrera pappersremiss", "Register paper referral"),
    "nav_unit": ("Enhetens vecka", "Unit's week"), "nav_meeting": ("Veckomöte KC–BUP", "Weekly KC–BUP meeting"),
    "nav_board": ("Samordnartavla", "Coordinators' board"),
    "incoming_calls": ("Inkommande samtal", "Incoming calls"),
    "no_calls": ("Inga besvarade samtal väntar.", "No answered calls are waiting."),
    "test_call": ("Testsamtal (inbyggd standardmiljö)", "Test call (embedded default)"),
    "test_call_note": ("Finns bara i den inbyggda standardmiljön: spelar samtalsplattformen och ringer ett påhittat "
                       "samtal som kopplas till dig. I drift kommer samtalen från regionens samtalsplattform.",
                       "Only on the embedded default: plays the call platform and rings a made-up call put through "
                       "to you. In production calls come from the region's call platform."),
    "test_call_failed": ("Testsamtalet kunde inte ringas: intake tog inte emot det.",
                         "The test call could not be rung: intake did not accept it."),
    "take_call": ("Ta samtalet", "Take the call"), "answered_at": ("Besvarat", "Answered"),
    "line": ("Linje", "Line"), "queue_wait": ("Kötid", "Queue wait"),
    "work_queue": ("Arbetskö: nya remisser och öppna ärenden", "Work queue: new referrals and open cases"),
    "queue_intro": ("Äldsta klockan först. Löftet är medicinsk bedömning inom {days} dagar; kontaktdagen är dag 0.",
                    "Oldest clock first. The promise is a medical assessment within {days} days; the contact day is day 0."),
    "at_risk_count": ("{n} ärenden riskerar att missa löftet.", "{n} cases risk missing the promise."),
    "at_risk_count_1": ("1 ärende riskerar att missa löftet.", "1 case risks missing the promise."),
    "broken_count": ("{n} ärenden har redan missat det.", "{n} cases have already missed it."),
    "broken_count_1": ("1 ärende har redan missat det.", "1 case has already missed it."),
    "days_to_go": ("{n} dagar kvar", "{n} days left"), "days_to_go_1": ("1 dag kvar", "1 day left"),
    "days_to_go_0": ("sista dagen", "the last day"),
    "days_over": ("{n} dagar över", "{n} days over"), "days_over_1": ("1 dag över", "1 day over"),
    "case": ("Ärende", "Case"), "channel": ("Kanal", "Channel"), "source": ("Avsändare", "Sender"),
    "clock_start": ("Klockan startade", "Clock started"), "days_left": ("Till löftet", "To the promise"),
    "age": ("Ålder", "Age"), "sex": ("Kön", "Sex"), "municipality": ("Kommun", "Municipality"),
    "status": ("Status", "Status"), "open": ("Öppna", "Open"),
    "at_risk": ("Risk att missa löftet", "At risk"), "broken": ("Löftet brutet", "Promise broken"),
    "on_track": ("I tid", "On track"), "empty_queue": ("Kön är tom.", "The queue is empty."),
    "years": ("år", "years"),
    "paper_title": ("Registrera pappersremiss", "Register a paper referral"),
    "paper_intro": ("Klockan startar det datum som står på remissen, inte när den kom eller skannades.",
                    "The clock starts on the date written on the referral, not when it arrived or was scanned."),
    "identity_number": ("Barnets personnummer eller samordningsnummer", "Child's personal identity or co-ordination number"),
    "identity_hint": ("ÅÅÅÅMMDD-NNNN", "YYYYMMDD-NNNN"),
    "date_written": ("Datum på remissen", "Date written on the referral"),
    "date_arrived": ("Ankomstdatum (stämpel)", "Date received (stamp)"),
    "scan": ("Skannad remiss (PDF, PNG eller JPEG)", "Scanned referral (PDF, PNG or JPEG)"),
    "sender": ("Vem skrev remissen", "Who wrote the referral"),
    "reasons": ("Orsak till kontakten (valfritt, en eller flera)", "Reason for the contact (optional, one or more)"),
    "contact_phone": ("Vårdnadshavarens mobilnummer (valfritt)", "Guardian's mobile number (optional)"),
    "register": ("Registrera", "Register"),
    "form_errors": ("Rätta det som är markerat nedan.", "Correct what is marked below."),
    "case_opened": ("Ärendet är öppnat.", "The case is opened."),
    "case_linked": ("Barnet hade redan ett öppet ärende. Kontakten är kopplad till det; inget nytt ärende skapades.",
                    "The child already had an open case. The contact is linked to it; no new case was created."),
    "case_signposted": ("Ärendet hänvisades direkt (vuxen eller utanför länet) och är avslutat.",
                        "The case was signposted at once (adult or outside the county) and is closed."),
    "refused": ("Åtkomst nekas", "Access refused"),
    "not_done": ("Det gick inte", "That did not work"),
    "back_home": ("Till startsidan", "To the start page"),
    "no_personal": ("Din roll ser inga personuppgifter. Nyckeltalen finns på KPI-tavlan.",
                    "Your role sees no personal data. The figures are on the KPI dashboard."),
    "kpi_dashboard": ("KPI-tavlan", "KPI dashboard"),
    "live": ("Uppdateras direkt", "Live"),
    "error_title": ("Något gick fel", "Something went wrong"),
    "scan_doc": ("Skannad remiss", "Scanned referral"),
    "written": ("Skriven", "Written"), "arrived": ("Ankom", "Arrived"),
    "call_title": ("Samtal", "Call"), "find_child": ("Hitta barnet eller öppna ärende", "Find the child or open a case"),
    "find_child_intro": ("Har barnet redan ett öppet ärende visas det; inget nytt skapas.",
                         "If the child already has an open case it is shown; no new one is created."),
    "caller": ("Vem ringer", "Who is calling"), "contact_email": ("E-post (valfritt)", "E-mail (optional)"),
    "preferred_channel": ("Hur vill familjen få besked", "How the family wants to hear from us"),
    "find_or_open": ("Hitta eller öppna ärende", "Find or open case"), "summary": ("Sammanfattning", "Summary"),
    "child": ("Barnet", "The child"), "assessed": ("Bedömd", "Assessed"), "contacts": ("Kontakter", "Contacts"),
    "linked": ("kopplad", "linked"),
    "unit_title": ("Enhetens vecka", "The unit's week"), "week_of": ("Vecka från", "Week from"),
    "prev_week": ("Föregående vecka", "Previous week"), "next_week": ("Nästa vecka", "Next week"),
    "no_slots": ("Inga tider den här veckan.", "No times this week."),
    "free": ("ledig", "free"), "held": ("hålls", "held"), "booked": ("bokad", "booked"),
    "digital": ("Digitalt", "Digital"), "profession": ("Yrke", "Profession"), "visit_type": ("Besökstyp", "Visit type"),
    "import_title": ("Importera kalender", "Import calendar"),
    "import_intro": ("iCalendar (.ics) eller CSV. Hela filen läses in eller inget: fel visas rad för rad.",
                     "iCalendar (.ics) or CSV. The whole file is imported or nothing: errors are shown line by line."),
    "calendar_file": ("Kalenderfil", "Calendar file"), "import": ("Importera", "Import"),
    "import_columns_h": ("Filens kolumner och giltiga värden", "The file's columns and valid values"),
    "import_csv": ("CSV med rubrikraden", "CSV with the header line"),
    "import_starts_at": ("datum och tid med tidszon, t.ex.", "date and time with time zone, e.g."),
    "import_duration": ("minuter, 10–240 (45 om tomt)", "minutes, 10–240 (45 if empty)"),
    "import_profession": ("enhetens yrken:", "the unit's professions:"), "or": ("eller", "or"),
    "import_no_digital": ("enheten har inga digitala besök", "the unit has no digital visits"),
    "import_ics": ("iCalendar: en VEVENT per tid med", "iCalendar: one VEVENT per time with"),
    "imported": ("{n} tider importerades.", "{n} times were imported."),
    "imported_1": ("1 tid importerades.", "1 time was imported."),
    "waiting_list": ("Väntelista", "Waiting list"), "waiting_intro": ("Barn som väntar på en tid här, äldsta klockan först. "
                     "Varje barn på listan är ett larm om att tider saknas.", "Children waiting for a time here, oldest "
                     "clock first. Each child on the list is an alert that times are missing."),
    "no_waiting": ("Ingen väntar.", "Nobody is waiting."), "position": ("Plats", "Position"),
    "level": ("Vårdnivå", "Care level"), "since": ("Väntar sedan", "Waiting since"),
    "alerts": ("Larm: inga bokningsbara tider", "Alerts: no bookable times"),
    "no_alerts": ("Inga nya larm sedan sidan öppnades.", "No new alerts since the page opened."),
    "meeting_title": ("Veckomöte KC–BUP: lediga nybesökstider", "Weekly KC–BUP meeting: free new-visit times"),
    "meeting_intro": ("Lediga nybesökstider per enhet och vecka, de kommande veckorna.",
                      "Free new-visit times per unit and week, the coming weeks."),
    "choose_unit": ("Välj enhet", "Choose unit"), "show": ("Visa", "Show"),
    "time": ("Tid", "Time"), "total": ("Totalt", "Total"), "no_free_times": ("inga lediga", "none free"),
    "loading": ("Hämtar…", "Loading…"), "interview": ("Telefonintervju", "Telephone interview"),
    "booking": ("Tid under samtalet", "A time during the call"),
    "advice_title": ("Rådgivning eller hänvisning", "Advice or signposting"),
    "advice_given": ("Råd givet: den medicinska bedömningen är registrerad.",
                     "Advice given: the medical assessment is recorded."),
    "advice_topics": ("Vad rådet gällde (ett eller flera)", "What the advice was about (one or more)"),
    "give_advice": ("Registrera råd", "Record advice"), "signpost_to": ("Hänvisa till", "Signpost to"),
    "signpost": ("Hänvisa och avsluta", "Signpost and close"),
    "waiting_triage": ("Ärendet är på väg till bedömningen, ett ögonblick…", "The case is on its way to triage, a moment…"),
    "interview_intro": ("Intervjun följer formuläret avsnitt för avsnitt; varje svar sparas direkt.",
                        "The interview follows the instrument section by section; every answer is saved at once."),
    "start_interview": ("Starta intervjun", "Start the interview"),
    "interview_by_clinician": ("Intervjun görs av en legitimerad behandlare.", "A licensed clinician does the interview."),
    "interview_begun": ("Intervjun är påbörjad.", "The interview has begun."),
    "progress": ("{done} av {total} frågor besvarade", "{done} of {total} questions answered"),
    "interview_keys": ("Tangentbord: Tab till nästa fråga, piltangenter väljer svar (sparas direkt).",
                       "Keyboard: Tab to the next question, arrow keys choose the answer (saved at once)."),
    "risk_item": ("riskfråga", "risk question"), "saved": ("Sparat", "Saved"),
    "complete_interview": ("Avsluta intervjun och räkna fram resultat", "Complete the interview and score it"),
    "risk_escalated": ("Risk: ärendet är eskalerat till jourhavande kliniker.",
                       "Risk: the case is escalated to the clinician on duty."),
    "alerting": ("Larmet skickas…", "Sending the alert…"),
    "risk_here": ("Risk: {flag}. Ärendet är eskalerat till jourhavande kliniker.",
                  "Risk: {flag}. The case is escalated to the clinician on duty."),
    "alerted_who": ("Larmad: {kind} via {channel}", "Alerted: {kind} by {channel}"),
    "interview_done": ("Intervjun är klar.", "The interview is complete."),
    "scores": ("Resultat per skala", "Scores per scale"), "scale": ("Skala", "Scale"), "raw": ("Poäng", "Raw"),
    "band": ("Nivå", "Band"), "risks_found": ("Risksignaler", "Risk signals"),
    "proposal": ("Vägledningens förslag", "The guide's proposal"),
    "decide_level": ("Besluta: {level}", "Decide: {level}"), "override": ("Annan vårdnivå än förslaget",
                                                                        "Another care level than proposed"),
    "override_reason": ("Skäl (krävs)", "Reason (required)"), "decide_override": ("Besluta annan nivå",
                                                                                  "Decide another level"),
    "decided": ("Beslutad vårdnivå: {level}", "Decided care level: {level}"), "overridden": ("avvikelse från förslaget",
                                                                                             "differs from the proposal"),
    "book_after_decision": ("Tid erbjuds när vårdnivån är beslutad.", "Times are offered once the care level is decided."),
    "not_booked_here": ("Den här vårdnivån bokas inte här.", "This care level is not booked here."),
    "waiting_decision": ("Väntar på att beslutet når bokningen, ett ögonblick…",
                         "Waiting for the decision to reach booking, a moment…"),
    "offers": ("Lediga tider, närmast först", "Free times, nearest first"),
    "no_slots_within": ("Ingen tid inom {days} dagar: enhetens chef och KC:s avdelningschef larmas.",
                        "No time within {days} days: the unit's head and the contact centre's head are alerted."),
    "no_offers": ("Inga tider att erbjuda just nu; barnet står på väntelistan.",
                  "No times to offer right now; the child is on the waiting list."),
    "wait_days": ("väntan {n} dagar", "wait {n} days"), "wait_days_1": ("väntan 1 dag", "wait 1 day"), "hold": ("Håll tiden", "Hold the time"),
    "held_title": ("Tiden hålls medan familjen bestämmer sig", "The time is held while the family decides"),
    "held_for": ("Hålls i", "Held for"), "chosen_wait": ("Familjen tackade nej till en tidigare tid (vald väntan)",
                                                         "The family declined an earlier time (chosen wait)"),
    "confirm": ("Boka tiden", "Book the time"), "other_time": ("Välj en annan tid", "Choose another time"),
    "booked_at": ("Bokat: {unit} {at}", "Booked: {unit} {at}"),
    "family_status": ("Besked till familjen", "Message to the family"),
    "family_none_yet": ("Beskedet förbereds…", "The message is being prepared…"),
    "channel_at_sending": ("kanal väljs vid utskick", "channel chosen when sent"),
    "groups": ("Föräldragrupper med lediga platser", "Parent groups with free seats"),
    "no_groups": ("Inga grupper med lediga platser.", "No groups with free seats."),
    "free_seats": ("{n} lediga platser", "{n} free seats"),
    "free_seats_1": ("1 ledig plats", "1 free seat"), "book_seat": ("Boka plats", "Book a seat"),
    "due": ("planerat", "due"),
    "day_0": ("mån", "Mon"), "day_1": ("tis", "Tue"), "day_2": ("ons", "Wed"), "day_3": ("tors", "Thu"),
    "day_4": ("fre", "Fri"), "day_5": ("lör", "Sat"), "day_6": ("sön", "Sun"),
    "board_title": ("Samordnartavla: vård på två vårdnivåer", "Coordinators' board: two-level care"),
    "board_intro": ("Barn där samverkan mellan hälsocentral och BUP startats, frågor och insatser, vilka enheter som "
                    "använder den, och avvikelser att gå igenom inför styrgruppen.",
                    "Children where collaboration between health centre and BUP has started, questions and "
                    "interventions, which units use it, and deviations to review for the steering group."),
    "collaborations": ("Startad samverkan", "Collaboration initiated"),
    "no_collaborations": ("Ingen samverkan startad de senaste månaderna.", "No collaboration started in recent months."),
    "question": ("Frågeställning", "Question"), "intervention": ("Insats", "Intervention"),
    "health_centre": ("Hälsocentral", "Health centre"), "initiated": ("Startad", "Initiated"),
    "units_using": ("Enheter som använder samverkan", "Units using collaboration"),
    "deviations_review": ("Avvikelser att gå igenom (per kvartal och enhet)", "Deviations to review (per quarter and unit)"),
    "deviations_unavailable": ("Avvikelserna kan inte visas för din roll eller just nu.",
                               "The deviations cannot be shown for your role or right now."),
    "no_deviations": ("Inga avvikelser.", "No deviations."),
    "col_period": ("Period", "Period"), "col_unit": ("Enhet", "Unit"), "col_total": ("Totalt", "Total"),
    "start_collaboration": ("Starta samverkan två vårdnivåer", "Start two-level care collaboration"),
    "collaboration_started": ("Samverkan är startad.", "Collaboration is started."),
    "seat_booked": ("Platsen i föräldragruppen är bokad.", "The seat in the parent group is booked."),
}

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "case_status": {"open": ("Öppet", "Open"), "closed": ("Avslutat", "Closed")},
    "profession": {"psychologist": ("Psykolog", "Psychologist"), "counsellor": ("Kurator", "Counsellor"),
                   "physician": ("Läkare", "Physician"),
                   "psychiatric_nurse": ("Psykiatrisjuksköterska", "Psychiatric nurse")},
    "visit_type": {"new_visit": ("Nybesök", "New visit"), "treatment_start": ("Behandlingsstart", "Treatment start"),
                   "group_session": ("Grupptillfälle", "Group session"),
                   "investigation_start": ("Utredningsstart", "Investigation start")},
    "delivery": {"pending": ("väntar", "pending"), "sending": ("skickas", "sending"), "sent": ("skickat", "sent"),
                 "failed": ("misslyckades", "failed"), "cancelled": ("avbrutet", "cancelled")},
}
# The codes other services send (levels, channels, reasons, …) have their words in contracts/labels.yaml.
for _kind, _pairs in labels().items():
    LABELS.setdefault(_kind, {}).update(_pairs)

# The school referral form keeps its words in its own module; they join the same tables here.
if _clash := TEXTS.keys() & SCHOOL_TEXTS.keys():  # one key, one meaning: a school label never lands on staff screens
    raise ValueError(f"school texts reuse workspace keys: {sorted(_clash)}")
TEXTS.update(SCHOOL_TEXTS)
TEXTS.update(SIGNIN_TEXTS)
TEXTS.update(QUEUE_TEXTS)
TEXTS.update(CALLBACK_TEXTS)
TEXTS.update(KONTAKT_TEXTS)
TEXTS.update(SUMMER_TEXTS)
if _clash := TEXTS.keys() & FORECAST_TEXTS.keys():
    raise ValueError(f"forecast texts reuse workspace keys: {sorted(_clash)}")
TEXTS.update(FORECAST_TEXTS)
for _kind, _pairs in KONTAKT_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_pairs)
# The keep-in-touch screens' words (language, return, check-ins) keep to their own module, the same way.
if _clash := TEXTS.keys() & CONTACT_TEXTS.keys():
    raise ValueError(f"contact texts reuse workspace keys: {sorted(_clash)}")
TEXTS.update(CONTACT_TEXTS)
for _kind, _pairs in [*SCHOOL_LABELS.items(), *SUMMER_LABELS.items(), *CONTACT_LABELS.items()]:
    LABELS.setdefault(_kind, {}).update(_pairs)


def translator(lang: str) -> Callable[..., str]:
    i = 1 if lang == "en" else 0

    def t(key: str, **kw: object) -> str:
        # counts read as Swedish and English do: "1 ärende", "2 ärenden" (a key_1 / key_0 form where one exists)
        n = kw.get("n")
        if isinstance(n, int) and f"{key}_{n}" in TEXTS:
            key = f"{key}_{n}"
        if key not in TEXTS:  # a text named from a code the screens do not know yet: shown, never a failed page
            log.warning("no words for %s", key)  # (the no-codes browser test fails on it, as on any code shown)
            return key
        text = TEXTS[key][i]
        return text.format(**kw) if kw else text

    return t


def days_left_text(t: Callable[..., str], days_left: int) -> str:
    """The promise's days as words: '2 dagar kvar', 'sista dagen', '2 dagar över' (never 'Dagar kvar -2')."""
    return t("days_to_go", n=days_left) if days_left >= 0 else t("days_over", n=-days_left)


def labeller(lang: str) -> Callable[[str, str | None], str]:
    i = 1 if lang == "en" else 0

    def label(kind: str, code: str | None) -> str:
        if code is None:
            return "–"
        pair = LABELS.get(kind, {}).get(code)
        return pair[i] if pair else code

    return label
